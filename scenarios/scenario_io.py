"""Reading a scenario (contract section 2) from JSON or YAML, and checking it fits a table."""

from __future__ import annotations

import difflib
import json
import math
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from models import InputIssue, Scenario, ScenarioError, VillageTable
from models.scenario import Budget, Package, Targets
from models.village import MAX_WEIGHT
from scenarios import kemendagri, rules
from scenarios.files import Source, load_source
from scenarios.limits import ReadLimits
from scenarios.numbers import Kind, parse_numbers

_SHARES = {"dana_desa_share", "add_share", "min_coverage"}
_UNION_TAGS = {"float", "dict[str,float]"}
_KNOWN_FIELDS: dict[str, set[str]] = {
    "": set(Scenario.model_fields),
    "budget": set(Budget.model_fields),
    "targets": set(Targets.model_fields),
    "packages": set(Package.model_fields),
}


def read_scenario(source: Source, filename: str | None = None) -> Scenario:
    """Read and validate a scenario file: JSON, or YAML (.yaml/.yml, or any text that is not
    JSON). Raises ScenarioError naming the file and line, or the field."""
    content, name = load_source(source, filename, ScenarioError)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError([InputIssue(file=name, message="the file is not UTF-8 text")]) from None
    if not text.strip():
        raise ScenarioError([InputIssue(file=name, message="the file is empty")])
    suffix = Path(name).suffix.lower()
    as_yaml = suffix in (".yaml", ".yml") or (suffix != ".json" and not text.lstrip().startswith("{"))
    data = _load_yaml(text, name) if as_yaml else _load_json(text, name)
    return scenario_from_dict(data, source=name)


def _load_json(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            [
                InputIssue(
                    file=name,
                    row=exc.lineno,
                    message=f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                )
            ]
        ) from None


def _load_yaml(text: str, name: str) -> Any:
    import yaml  # most scenarios are JSON

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or "unreadable"
        where = f" at line {line}, column {mark.column + 1}" if mark is not None else ""
        raise ScenarioError(
            [InputIssue(file=name, row=line, message=f"not valid YAML{where}: {problem}")]
        ) from None


def scenario_from_dict(data: Any, source: str = "scenario", limits: ReadLimits | None = None) -> Scenario:
    """Validate a scenario given as a dict (parsed JSON or YAML)."""
    if not isinstance(data, dict):
        raise ScenarioError([InputIssue(file=source, message="a scenario must be an object of field: value")])
    _check_counts(data, source, limits or ReadLimits())
    data = planner_numbers(data)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        issues: list[InputIssue] = []
        for error in exc.errors():
            issues.extend(_issues(error, data, source))
        raise ScenarioError(_unique(issues)) from None
    try:
        return rules.resolve(scenario)
    except ScenarioError as exc:
        raise ScenarioError([issue.model_copy(update={"file": source}) for issue in exc.issues]) from None


# scenario fields that planners may type as text, and how to read them (scenarios.numbers)
_RUPIAH_FIELDS = {"monthly_premium_idr", "declared_income_idr", "apbd_pool_idr"}
_DECIMAL_FIELDS = {"dana_desa_share", "add_share", "min_coverage", "value"}
_DECIMAL_MAPS = {"group_weights", "group_min_coverage"}


def _typed_number(text: Any, kind: Kind) -> Any:
    """A planner's "Rp16.800", "3%" or "1.500.000.000" as a number; anything else as it was (the
    scenario's validation then names the field)."""
    if not isinstance(text, str):
        return text
    import pandas as pd

    parsed = parse_numbers(pd.Series([text], dtype=object), kind)
    value = float(parsed.values[0])
    return text if parsed.invalid[0] or parsed.empty[0] or not math.isfinite(value) else value


_GROWTH_FIELDS = {"dana_desa_growth", "add_growth", "pool_growth"}


def _multi_year_numbers(block: dict[str, Any]) -> dict[str, Any]:
    """The multi-year block's rates, pools, floors and targets, one or one per year, as typed."""

    def each(value: Any, read: Any) -> Any:
        return [read(item) for item in value] if isinstance(value, list) else read(value)

    def pool(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: _typed_number(v, "rupiah") for k, v in value.items()}
        return _typed_number(value, "rupiah")

    out = dict(block)
    for key, value in block.items():
        if key in _GROWTH_FIELDS or key == "min_coverage":
            out[key] = each(value, lambda v: _typed_number(v, "decimal"))
        elif key == "apbd_pool_idr":
            out[key] = each(value, pool)
        elif key == "min_new_enrollments":
            out[key] = each(value, lambda v: _typed_number(v, "count"))
    return out


def planner_numbers(data: Any, parent: str = "") -> Any:
    """The scenario with numbers written as text read the way the village table reads them."""
    if isinstance(data, list):
        return [planner_numbers(item, parent) for item in data]
    if not isinstance(data, dict):
        return data
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in _RUPIAH_FIELDS and isinstance(value, dict):
            out[key] = {k: _typed_number(v, "rupiah") for k, v in value.items()}
        elif key in _RUPIAH_FIELDS:
            out[key] = _typed_number(value, "rupiah")
        elif key in _DECIMAL_FIELDS:
            out[key] = _typed_number(value, "decimal")
        elif key in _DECIMAL_MAPS and isinstance(value, dict):
            out[key] = {k: _typed_number(v, "decimal") for k, v in value.items()}
        elif key == "min_new_enrollments":
            out[key] = _typed_number(value, "count")
        elif key in ("budget", "targets", "packages"):
            out[key] = planner_numbers(value, key)
        elif key == "multi_year" and isinstance(value, dict):
            out[key] = _multi_year_numbers(value)
        else:
            out[key] = value
    return out


def _check_counts(data: dict[str, Any], source: str, limits: ReadLimits) -> None:
    """Refuse more packages or groups than a scenario may list, before validating each."""
    issues = []
    packages = data.get("packages")
    if isinstance(packages, list) and len(packages) > limits.max_packages:
        issues.append(
            InputIssue(
                file=source,
                field="packages",
                message=f"{len(packages):,} packages; a scenario may list at most {limits.max_packages:,}",
            )
        )
    targets = data.get("targets")
    for field, groups in (
        ("group_weights", data.get("group_weights")),
        (
            "targets.group_min_coverage",
            targets.get("group_min_coverage") if isinstance(targets, dict) else None,
        ),
    ):
        if isinstance(groups, dict) and len(groups) > limits.max_groups:
            issues.append(
                InputIssue(
                    file=source,
                    field=field,
                    message=f"{len(groups):,} groups; a scenario may name at most {limits.max_groups:,}",
                )
            )
    if issues:
        raise ScenarioError(issues)


def _unique(issues: list[InputIssue]) -> list[InputIssue]:
    seen: set[tuple[str | None, str]] = set()
    kept = []
    for issue in issues:
        key = (issue.field, issue.message)
        if key not in seen:
            seen.add(key)
            kept.append(issue)
    return kept


_NAMED = re.compile(r"(?:Value error, )?([a-z_]+): (.*)", re.DOTALL)


def _issues(error: ErrorDetails, data: dict[str, Any], source: str) -> list[InputIssue]:
    loc = [str(part) for part in error["loc"]]
    kind = error["type"]
    # apbd_pool_idr is a number or an object: pydantic reports a failure for each
    if any(part in _UNION_TAGS for part in loc):
        tag_at = next(i for i, part in enumerate(loc) if part in _UNION_TAGS)
        tag, rest = loc[tag_at], loc[tag_at + 1 :]
        loc = loc[:tag_at] + rest
        if not rest:
            if tag == "float":
                return []  # worded once, with the object form
            message = "must be a number of rupiah, or an object from each kabupaten to its pool"
            return [InputIssue(file=source, field=".".join(loc), message=message)]
    field = ".".join(loc)
    if not loc and "package codes" in error["msg"]:
        field = "packages"  # the one whole-scenario check is about the package list
    if not loc and "fiscal_year is required" in error["msg"]:
        field = "fiscal_year"
    named = _NAMED.match(error["msg"])
    if kind == "value_error" and named and (not loc or loc[-1] == "multi_year"):
        # a whole-object check that words one of its fields: "min_coverage: give one value..."
        return [InputIssue(file=source, field=".".join([*loc, named.group(1)]), message=named.group(2))]
    if kind == "value_error" and loc and loc[-1] in ("group_weights", "group_min_coverage"):
        return _group_issues(error, field, source)
    return [InputIssue(file=source, field=field, message=_message(error, loc, data))]


def _group_issues(error: ErrorDetails, field: str, source: str) -> list[InputIssue]:
    """Our own validators word a bad weight or floor; name the group in the field."""
    values = error.get("input")
    issues = []
    if isinstance(values, dict):
        for group, value in values.items():
            if not isinstance(value, int | float) or isinstance(value, bool):
                continue  # worded by pydantic's own type error
            if field.endswith("group_weights") and not 0 <= value < MAX_WEIGHT:
                message = "must be >= 0" if value < 0 else f"must be below {MAX_WEIGHT:,}"
                issues.append(InputIssue(file=source, field=f"{field}.{group}", message=message))
            elif field.endswith("group_min_coverage") and not 0 <= value <= 1:
                issues.append(
                    InputIssue(file=source, field=f"{field}.{group}", message="must be between 0 and 1")
                )
    return issues or [InputIssue(file=source, field=field, message=_plain(error["msg"]))]


def field_message(error: ErrorDetails, loc: list[str]) -> str:
    """A field's validation error as a scenario's refusal words it ("must be between 0 and 1")."""
    return _message(error, loc, {})


def _message(error: ErrorDetails, loc: list[str], data: dict[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    name = loc[-1] if loc else ""
    given = error.get("input")
    if kind in ("greater_than_equal", "less_than_equal") and name in _SHARES:
        return "must be between 0 and 1"
    if name == "start_month" and kind in ("greater_than_equal", "less_than_equal"):
        return "must be a month between 1 and 12"
    if name == "horizon_months" and kind in ("greater_than", "less_than_equal"):
        return "must be between 1 and 120 months"
    if kind == "finite_number":
        return f"must be a finite number (got {given!r})"
    if kind == "less_than":
        return f"must be below {_number(ctx.get('lt'))}"
    if kind == "greater_than":
        return f"must be greater than {_number(ctx.get('gt'))}"
    if kind == "greater_than_equal":
        return f"must be >= {_number(ctx.get('ge'))}"
    if kind == "less_than_equal":
        return f"must be <= {_number(ctx.get('le'))}"
    if kind == "enum" and name == "objective":
        return f"unknown objective '{given}': use max_protection or min_cost"
    if kind == "missing":
        return "is required" + (": list at least one package" if name == "packages" else "")
    if kind == "too_short" and name == "packages":
        return "list at least one package"
    if kind == "extra_forbidden":
        return _unknown_field(loc)
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type"):
        return f"must be a number (got {given!r})"
    if kind in ("int_from_float",):
        return f"must be a whole number (got {given!r})"
    if kind in ("bool_parsing", "bool_type"):
        return f"must be true or false (got {given!r})"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "must be an object of field: value"
    if kind == "list_type":
        return "must be a list"
    if kind == "string_type":
        return "must be text"
    return _plain(error["msg"])


def _unknown_field(loc: list[str]) -> str:
    name = loc[-1]
    parent = "packages" if len(loc) >= 3 and loc[0] == "packages" else ".".join(loc[:-1])
    known = sorted(_KNOWN_FIELDS.get(parent, set()))
    close = difflib.get_close_matches(name, known, n=1)
    hint = f": did you mean '{close[0]}'?" if close else f" (known: {', '.join(known)})"
    return f"unknown field '{name}'{hint}"


def _plain(message: str) -> str:
    message = message.removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def _number(value: object) -> str:
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def check_scenario_fits(scenario: Scenario, table: VillageTable) -> Scenario:
    """Refuse a scenario that names a group or kabupaten the table does not have. A kabupaten
    of the table without a pool entry is fine: its pool is 0. Returns the scenario with its pools
    keyed as the table names its kabupaten: a pool keyed by Kemendagri code (`32.16`, `3216`) or by
    the official name in other letter case goes to the kabupaten the table reads that way."""
    scenario = _pools_keyed_as_the_table(scenario, table)
    issues: list[InputIssue] = []
    groups = set(table.groups)
    listed = ", ".join(table.groups)
    for group in scenario.group_weights:
        if group not in groups:
            issues.append(
                InputIssue(
                    field=f"group_weights.{group}",
                    message=f"the village table has no group '{group}' (its groups: {listed})",
                )
            )
    for group in scenario.targets.group_min_coverage:
        if group not in groups:
            issues.append(
                InputIssue(
                    field=f"targets.group_min_coverage.{group}",
                    message=f"the village table has no group '{group}' (its groups: {listed})",
                )
            )
    pools: list[tuple[str, float | dict[str, float]]] = [
        ("budget.apbd_pool_idr", scenario.budget.apbd_pool_idr)
    ]
    if scenario.multi_year is not None and scenario.multi_year.apbd_pool_idr is not None:
        pools = [
            (f"multi_year.apbd_pool_idr.{t}", p) for t, p in enumerate(scenario.multi_year.apbd_pool_idr)
        ]
    kabupaten = table.kabupaten
    named = ", ".join(k for k in kabupaten if k) or "none: give the pool as one number"
    for where, pool in pools:
        if not isinstance(pool, dict):
            continue
        for key in pool:
            if key not in kabupaten:
                issues.append(
                    InputIssue(
                        field=f"{where}.{key}",
                        message=f"no village of the table is in kabupaten '{key}' (its kabupaten: {named})",
                    )
                )
    if issues:
        raise ScenarioError(issues)
    return scenario


def _pools_keyed_as_the_table(scenario: Scenario, table: VillageTable) -> Scenario:
    """The scenario with `budget.apbd_pool_idr` and every year's pool of `multi_year.apbd_pool_idr`
    keyed as the table names its kabupaten (`pool_keyed_as_the_table`)."""
    pool = scenario.budget.apbd_pool_idr
    update: dict[str, object] = {}
    if isinstance(pool, dict) and (keyed := pool_keyed_as_the_table(pool, table)) != pool:
        update["budget"] = scenario.budget.model_copy(update={"apbd_pool_idr": keyed})
    multi = scenario.multi_year
    if multi is not None and multi.apbd_pool_idr is not None:
        yearly = [
            pool_keyed_as_the_table(p, table) if isinstance(p, dict) else p for p in multi.apbd_pool_idr
        ]
        if yearly != multi.apbd_pool_idr:
            update["multi_year"] = multi.model_copy(update={"apbd_pool_idr": yearly})
    return scenario.model_copy(update=update) if update else scenario


def pool_keyed_as_the_table(pool: dict[str, float], table: VillageTable) -> dict[str, float]:
    """A pool object keyed as the table names its kabupaten: a key by Kemendagri code (`32.16`,
    `3216`) or by the official name in other letter case goes to the kabupaten the table reads
    that way; any other key stays as it is (and is refused if the table has no such kabupaten)."""
    present = set(table.kabupaten)
    names = kemendagri.kabupaten_names()
    by_case = {k.casefold(): k for k in present}
    keyed: dict[str, float] = {}
    for key, amount in pool.items():
        code = kemendagri.kabupaten_code(key)
        target = key
        if key not in present:
            if code is not None and names.get(code) in present:
                target = names[code]
            elif key.casefold() in by_case:
                target = by_case[key.casefold()]
        keyed[target] = keyed.get(target, 0.0) + amount
    return keyed
