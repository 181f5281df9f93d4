"""The village office's own pages (`routes`, `templates/`)."""
