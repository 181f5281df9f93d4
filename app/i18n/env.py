"""`DESAPLAN_LANG` read straight from the environment, as `app.settings.env_lang` reads it
(the name in any case, an empty value as none), without loading the service's settings: the
command line's `solve` speaks its language with no web framework loaded."""

from __future__ import annotations

import os

VARIABLE = "DESAPLAN_LANG"


def env_lang() -> str | None:
    """DESAPLAN_LANG as written (`app.i18n.normalise_lang` says whether we speak it)."""
    for key, value in os.environ.items():
        if key.upper() == VARIABLE and value != "":
            return value
    return None
