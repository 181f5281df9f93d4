"""The service's logic: one module per resource, called by the thin routers in app/routes."""
