"""`python -m app.cli`: the `desaplan` command."""

from app.cli.command import main

raise SystemExit(main())
