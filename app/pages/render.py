"""A page rendered: the Jinja2 templates in the page's language (Bahasa Indonesia by default,
English by a switch), with the catalogue, the formats and the reasons' words installed.

The pages (`routes`, `curves`, `login`) render with these; `app.pages.install` mounts them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.i18n import (
    DEFAULT_LANG,
    LANG_COOKIE,
    LANGUAGE_NAMES,
    Lang,
    Speaker,
    formats,
    normalise_lang,
    speaker,
    translations,
)
from app.i18n.fields import field_words
from app.i18n.reasons import reason
from app.pages.years import month_label, month_names

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
VILLAGE_TEMPLATES = HERE / "village" / "templates"  # the village office's pages
STATIC = HERE / "static"


# the name the solver gives a re-plan's scenario (solver.replan), to be said in the page's language
_REPLAN_NAME = re.compile(r"^(?P<scenario>.*) \(re-plan after month (?P<month>\d+)\)$", re.S)


def plan_name(plan: Any, say: Speaker) -> str:
    """A plan's scenario name as the page shows it: a re-plan's suffix in the page's language."""
    name = str(plan.scenario_name)
    found = _REPLAN_NAME.match(name) if getattr(plan, "replan", None) is not None else None
    if found is None:
        return name
    return say.gettext("%(scenario)s (re-plan after month %(month)s)") % found.groupdict()


def _environment(lang: Lang) -> Environment:
    env = Environment(
        loader=FileSystemLoader([TEMPLATES, VILLAGE_TEMPLATES]),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    say = speaker(lang)
    fmt = formats(lang)
    env.globals.update(
        month_label=lambda month: month_label(fmt, month),
        month_names=month_names(fmt),
        reason=lambda message: reason(message, say),
        field_words=lambda path: field_words(path, say),
        lang=lang,
        languages=LANGUAGE_NAMES,
        fmt=fmt,
        say=say,
        plan_name=lambda plan: plan_name(plan, say),
    )
    return env


_TEMPLATES: dict[Lang, Jinja2Templates] = {}


def templates(lang: Lang) -> Jinja2Templates:
    if lang not in _TEMPLATES:
        _TEMPLATES[lang] = Jinja2Templates(env=_environment(lang))
    return _TEMPLATES[lang]


def request_lang(request: Request) -> Lang:
    """`?lang=` first, then the language cookie, then Bahasa Indonesia."""
    return (
        normalise_lang(request.query_params.get("lang"))
        or normalise_lang(request.cookies.get(LANG_COOKIE))
        or DEFAULT_LANG
    )


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    lang = request_lang(request)
    response = templates(lang).TemplateResponse(request, name, context, status_code=status_code)
    return response


def is_page(request: Request) -> bool:
    path = request.url.path
    return path == "/" or path.startswith("/ui/")
