"""The `desaplan` command: one module per command family (`command` parses and dispatches).

`desaplan = "app.cli:main"` in pyproject.toml names this package's `main`."""

from app.cli.command import main

__all__ = ["main"]
