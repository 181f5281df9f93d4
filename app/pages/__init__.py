"""The planner's pages: thin handlers (`routes`, `curves`, `login`) over the services, rendered
with the helpers of `render`; `install` mounts them on the app."""
