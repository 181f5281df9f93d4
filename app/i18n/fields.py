"""A field of a scenario, a form or a request named in words, as the planner reads it.

The readers and the API locate a problem by its path in the scenario JSON
(`budget.dana_desa_share`, `packages.1.monthly_premium_idr`); a page and an error detail name it
by the form's label instead (`Bagian dana desa (%)`, `Paket 2: Premi bulanan (Rp)`).

    >>> field_words("budget.dana_desa_share", speaker("en"))
    'Share of dana desa (%)'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from app.i18n import N_, Speaker, speaker
from app.i18n.reasons import reason
from models import InputIssue

# the scenario's fields by their path, with the scenario form's labels (the same messages)
LABELS = {
    "name": N_("Name"),
    "horizon_months": N_("Months"),
    "fiscal_year": N_("Fiscal year"),
    "start_month": N_("Start month"),
    "packages": N_("Packages"),
    "group_weights": N_("Weight"),
    "budget": N_("Money"),
    "budget.dana_desa_share": N_("Share of dana desa (%%)"),
    "budget.add_share": N_("Share of ADD (%%)"),
    "budget.apbd_pool_idr": N_("APBD pool (Rp)"),
    "targets": N_("Floors and targets"),
    "targets.min_coverage": N_("Coverage floor per village (%%)"),
    "targets.min_new_enrollments": N_("New enrolments, at least"),
    "targets.group_min_coverage": N_("Floor per village (%%)"),
    "objective": N_("Objective"),
    "integer": N_("Whole workers"),
    "multi_year": N_("Several years"),
    "multi_year.years": N_("Number of years"),
    "multi_year.dana_desa_growth": N_("Growth of dana desa (%%)"),
    "multi_year.add_growth": N_("Growth of ADD (%%)"),
    "multi_year.pool_growth": N_("Growth of the APBD pool (%%)"),
    "multi_year.min_coverage": N_("Coverage floor of each year (%%)"),
    "multi_year.apbd_pool_idr": N_("APBD pool of each year (Rp)"),
    "multi_year.min_new_enrollments": N_("New enrolments of each year, at least"),
    "note": N_("Note"),
    # the compare form's promises and the curve form
    "rules.min_village_coverage": N_("Every village at least this coverage, in %%"),
    "rules.max_spend_idr": N_("Spend at most, in rupiah"),
    "plan_ids": N_("Plans to compare"),
    "baseline_plan_id": N_("Baseline"),
    "lever": N_("Lever"),
    "start": N_("From"),
    "stop": N_("To"),
    "points": N_("Points"),
}
PACKAGE_LABELS = {
    "code": N_("Code"),
    "monthly_premium_idr": N_("Monthly premium (Rp)"),
    "declared_income_idr": N_("Declared income (Rp)"),
    "value": N_("Value"),
}
_PACKAGE = re.compile(r"^packages\.(?P<index>\d+)(?:\.(?P<part>\w+))?$")
_GROUP = re.compile(r"^(?P<what>group_weights|targets\.group_min_coverage)\.(?P<group>\w+)$")
_POOL = re.compile(r"^(?P<what>budget|multi_year)\.apbd_pool_idr\.(?P<where>.+)$")


def _label(message: str, say: Speaker) -> str:
    return say.gettext(message) % {}  # the form's labels double their '%' for Jinja


def field_words(path: str | None, say: Speaker | None = None) -> str:
    """The field at `path` as the form labels it; a path it does not know, as it is."""
    say = say or speaker(None)
    if not path:
        return ""
    if path in LABELS:
        return _label(LABELS[path], say)
    if found := _PACKAGE.match(path):
        number = int(found["index"]) + 1
        part = found["part"]
        if part in PACKAGE_LABELS:
            return say.gettext("Package %(number)s: %(field)s") % {
                "number": number,
                "field": _label(PACKAGE_LABELS[part], say),
            }
        return say.gettext("Package %(number)s") % {"number": number}
    if found := _GROUP.match(path):
        what = "group_weights" if found["what"] == "group_weights" else "targets.group_min_coverage"
        return f"{_label(LABELS[what], say)}: {say.group(found['group'])}"
    if found := _POOL.match(path):
        return f"{_label(LABELS[found['what'] + '.apbd_pool_idr'], say)}: {found['where']}"
    return path


# ---------------------------------------------------------------- refusals in words


def issue_words(issue: InputIssue, say: Speaker) -> str:
    """One problem of a refused input: where (file, row, column, the field's label) and why."""
    where = []
    if issue.file:
        where.append(issue.file)
    if issue.row is not None:
        where.append(say.gettext("row %(row)s") % {"row": issue.row})
    if issue.column:
        where.append(say.gettext("column '%(column)s'") % {"column": issue.column})
    if issue.field:
        where.append(field_words(issue.field, say))
    message = reason(issue.message, say)
    return f"{', '.join(where)}: {message}" if where else message


def refusal_words(title: str, issues: list[InputIssue], say: Speaker, limit: int = 20) -> str:
    """A refused input's detail: its title, how many problems, and the first `limit` in words."""
    count = len(issues)
    problems = (
        say.gettext("1 problem")
        if count == 1
        else say.gettext("%(count)s problems") % {"count": say.fmt.number(count)}
    )
    lines = [f"{say.gettext(title)} ({problems}):"]
    lines += [f"  - {issue_words(issue, say)}" for issue in issues[:limit]]
    if count > limit:
        lines.append("  " + say.gettext("... and %(count)s more") % {"count": say.fmt.number(count - limit)})
    return "\n".join(lines)


_PLACES = {
    "path": N_("'%(name)s' in the address"),
    "query": N_("the parameter '%(name)s' of the address"),
    "header": N_("the header '%(name)s'"),
    "cookie": N_("the cookie '%(name)s'"),
}
_LIMITS = {
    "greater_than_equal": ("ge", N_("must be at least %(limit)s (got %(value)s)")),
    "less_than_equal": ("le", N_("must be at most %(limit)s (got %(value)s)")),
    "greater_than": ("gt", N_("must be more than %(limit)s (got %(value)s)")),
    "less_than": ("lt", N_("must be less than %(limit)s (got %(value)s)")),
    "string_too_short": ("min_length", N_("must be at least %(limit)s characters long")),
    "string_too_long": ("max_length", N_("must be at most %(limit)s characters long")),
    "too_short": ("min_length", N_("must have at least %(limit)s items")),
    "too_long": ("max_length", N_("must have at most %(limit)s items")),
}
_KINDS = {
    "missing": N_("is required"),
    "int_parsing": N_("must be a whole number (got %(value)s)"),
    "int_type": N_("must be a whole number (got %(value)s)"),
    "int_from_float": N_("must be a whole number (got %(value)s)"),
    "float_parsing": N_("must be a number (got %(value)s)"),
    "float_type": N_("must be a number (got %(value)s)"),
    "finite_number": N_("must be a number (got %(value)s)"),
    "bool_parsing": N_("must be true or false (got %(value)s)"),
    "bool_type": N_("must be true or false (got %(value)s)"),
    "literal_error": N_("must be one of %(expected)s (got %(value)s)"),
    "enum": N_("must be one of %(expected)s (got %(value)s)"),
    "json_invalid": N_("is not valid JSON"),
    "dict_type": N_("must be an object of field: value"),
    "model_type": N_("must be an object of field: value"),
    "model_attributes_type": N_("must be an object of field: value"),
    "list_type": N_("must be a list"),
    "string_type": N_("must be text"),
    "extra_forbidden": N_("is not a field this request takes"),
}


def _given(value: object) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validation_words(error: Mapping[str, Any], say: Speaker) -> tuple[str, str]:
    """A request validation error of FastAPI (pydantic) in words: the field it names, as the
    request spells it or as the form labels it, and what is wrong with it."""
    loc = [str(part) for part in error.get("loc", ())]
    where = ""
    if loc and loc[0] in _PLACES:
        where = say.gettext(_PLACES[loc[0]]) % {"name": ".".join(loc[1:])}
    elif loc and loc[0] == "body":
        path = ".".join(loc[1:]).removeprefix("scenario.")
        words = field_words(path, say) if path else ""
        where = (
            say.gettext("the request's body")
            if not path
            else words
            if words != path
            else say.gettext("the field '%(name)s' of the body") % {"name": path}
        )
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    given = _given(error.get("input"))
    if kind in _LIMITS:
        key, message = _LIMITS[kind]
        limit = ctx.get(key)
        shown = say.fmt.number(limit, 6) if isinstance(limit, int | float) else str(limit)
        return where, say.gettext(message) % {"limit": shown, "value": given}
    if kind in _KINDS:
        expected = str(ctx.get("expected", ""))
        return where, say.gettext(_KINDS[kind]) % {"value": given, "expected": expected}
    if kind == "value_error":
        return where, reason(str(error.get("msg", "")).removeprefix("Value error, "), say)
    return where, str(error.get("msg", "")) if say.lang == "en" else say.gettext("is not valid")
