"""A sweep's lever values checked against the scenario's own ranges, before any is solved.

A curve moves one lever of a scenario (`solver.levers.scenario_at`) without validating the
scenario it makes: a share of 1e308 or -5, a coverage floor of 7, a negative pool or premium would
be solved as if a planner could have written them. Each value is put where the lever puts it and
validated by the scenario's own model (`models.Budget`, `Targets`, `Package`), and refused with
the words a scenario's refusal uses, naming the value.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from models import Budget, InputError, InputIssue, Lever, LeverKind, Package, Scenario, Targets
from scenarios.scenario_io import field_message

MAX_LISTED = 20  # refused values named one by one; the rest are counted
MAX_POINTS = 500  # values of one sweep (the service's SweepCreate says the same)


def _moved(scenario: Scenario, lever: Lever, value: float) -> tuple[type[BaseModel], dict[str, Any], str]:
    """The part of the scenario the lever moves, as data with the value in place, its model, and
    the field's name."""
    budget = scenario.budget
    if lever.kind in (LeverKind.dana_desa_share, LeverKind.add_share):
        name = lever.kind.value
        return Budget, {**budget.model_dump(), name: value}, f"budget.{name}"
    if lever.kind == LeverKind.apbd_pool:
        pool = budget.apbd_pool_idr
        moved: float | dict[str, float]
        if not isinstance(pool, dict):
            moved = value
        elif lever.kabupaten is not None:
            moved = {**pool, lever.kabupaten: value}
        else:
            moved = {name: value for name in pool} or value
        return Budget, {**budget.model_dump(), "apbd_pool_idr": moved}, "budget.apbd_pool_idr"
    if lever.kind == LeverKind.premium:
        package = next((p for p in scenario.packages if p.code == lever.package), scenario.packages[0])
        return (
            Package,
            {**package.model_dump(), "monthly_premium_idr": value},
            f"packages[{package.code}].monthly_premium_idr",
        )
    return Targets, {**scenario.targets.model_dump(), "min_coverage": value}, "targets.min_coverage"


def value_issue(scenario: Scenario, lever: Lever, value: float, field: str) -> InputIssue | None:
    """Why the scenario cannot take `value` at the lever, or None when it can (a premium
    priced by the rules is no lever: `solver.levers.check_lever` says so)."""
    if lever.kind == LeverKind.premium and any(
        p.from_rules for p in scenario.packages if lever.package in (None, p.code)
    ):
        return None
    model, data, moved = _moved(scenario, lever, value)
    try:
        model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = [str(part) for part in error["loc"] if part not in ("float", "dict[str,float]")]
        words = field_message(error, loc or [moved.rsplit(".", 1)[-1]])
        if words.startswith("Value error, "):
            words = words.removeprefix("Value error, ")
        return InputIssue(field=field, message=f"{value:g} for {moved}: {words}")
    return None


def check_sweep_values(scenario: Scenario, lever: Lever, values: list[float], field: str = "values") -> None:
    """Refuse (InputError naming each value, 422) values the scenario's own validation refuses
    at the lever, or more than MAX_POINTS of them; `field` is what the caller gave them as
    (`values`, `start`, `stop`)."""
    if len(set(values)) > MAX_POINTS:
        raise InputError(
            [
                InputIssue(
                    field=field,
                    message=f"{len(set(values)):,} values; a sweep solves at most {MAX_POINTS:,} points",
                )
            ],
            title="The sweep was refused",
        )
    issues = [
        issue
        for value in dict.fromkeys(values)
        if (issue := value_issue(scenario, lever, value, field)) is not None
    ]
    if not issues:
        return
    listed = issues[:MAX_LISTED]
    if len(issues) > MAX_LISTED:
        listed.append(
            InputIssue(field=field, message=f"... and {len(issues) - MAX_LISTED} more values out of range")
        )
    raise InputError(listed, title="The sweep was refused")
