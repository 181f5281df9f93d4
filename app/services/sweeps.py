"""A sweep request read: the values it asks for, its lever, the scenario it sweeps."""

from __future__ import annotations

import numpy as np

from models import InputError, InputIssue, Lever, LeverKind, Scenario
from models.tables import ScenarioVersion, SweepCreate
from scenarios.sweep_values import check_sweep_values


def values(body: SweepCreate) -> list[float]:
    if body.values:
        return [float(v) for v in body.values]
    if body.start is None or body.stop is None:
        raise InputError(
            [InputIssue(field="values", message="give values, or start and stop")],
            title="The sweep was refused",
        )
    if body.stop < body.start:
        raise InputError(
            [InputIssue(field="stop", message="stop must not be below start")], title="The sweep was refused"
        )
    return [float(v) for v in np.linspace(body.start, body.stop, body.points)]


def lever(body: SweepCreate) -> Lever:
    try:
        kind = LeverKind(body.lever)
    except ValueError as exc:
        raise InputError(
            [
                InputIssue(
                    field="lever",
                    message=(f"unknown lever '{body.lever}'; one of {', '.join(k.value for k in LeverKind)}"),
                )
            ],
            title="The sweep was refused",
        ) from exc
    return Lever(kind=kind, kabupaten=body.kabupaten, package=body.package)


def scenario(body: SweepCreate, version: ScenarioVersion) -> Scenario:
    scenario = Scenario.model_validate(version.body)
    if body.integer is not None:
        scenario = scenario.model_copy(update={"integer": body.integer})
    return scenario


def checked_values(body: SweepCreate, scenario: Scenario) -> list[float]:
    """The sweep's values, each within the scenario's own range at the lever (422 naming the
    value): the given values, or start and stop (the points between lie between them)."""
    asked = values(body)
    at = lever(body)
    if body.values:
        check_sweep_values(scenario, at, asked, "values")
    else:
        assert body.start is not None and body.stop is not None
        check_sweep_values(scenario, at, [body.start], "start")
        check_sweep_values(scenario, at, [body.stop], "stop")
    return asked
