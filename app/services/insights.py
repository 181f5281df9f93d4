"""Planning insights over stored scenarios and plans: budget-outcome curves and the next rupiah.

A sweep runs in the request for tables up to the service's synchronous limit
(`sync_max_villages`); larger tables are refused with the reason (they need the job runner).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlmodel import Session

from app.errors import Conflict
from app.services import datasets, plans
from app.services import scenarios as scenario_service
from app.settings import Settings
from models import Curve, InputError, InputIssue, Lever, LeverKind, Plan, Problem, Scenario, SolveOptions
from models.tables import SweepCreate
from scenarios.compare import fairness_frames
from solver.curves import sweep as solver_sweep
from solver.fairness import without_each_floor


def _values(body: SweepCreate) -> list[float]:
    if body.values:
        return [float(v) for v in body.values]
    if body.start is None or body.stop is None:
        raise InputError([InputIssue(field="values", message="give values, or start and stop")],
                         title="The sweep was refused")
    if body.stop < body.start:
        raise InputError([InputIssue(field="stop", message="stop must not be below start")],
                         title="The sweep was refused")
    return [float(v) for v in np.linspace(body.start, body.stop, body.points)]


def sweep(session: Session, body: SweepCreate, settings: Settings) -> tuple[Curve, str]:
    """The curve and the scenario's name."""
    try:
        kind = LeverKind(body.lever)
    except ValueError as exc:
        raise InputError([InputIssue(field="lever", message=(
            f"unknown lever '{body.lever}'; one of {', '.join(k.value for k in LeverKind)}"))],
            title="The sweep was refused") from exc
    record = scenario_service.get_record(session, body.scenario_id)
    version = scenario_service.get_version(session, body.scenario_id, body.version)
    dataset = datasets.get_dataset(session, record.dataset_id)
    if dataset.village_count > settings.sync_max_villages:
        raise InputError([InputIssue(field="scenario_id", message=(
            f"the dataset has {dataset.village_count:,} villages, more than the "
            f"{settings.sync_max_villages:,} a sweep answers in the request; use desaplan sweep"))],
            title="The sweep is too large to answer at once")
    scenario = Scenario.model_validate(version.body)
    if body.integer is not None:
        scenario = scenario.model_copy(update={"integer": body.integer})
    problem = Problem(table=datasets.load_table(session, record.dataset_id), scenario=scenario)
    lever = Lever(kind=kind, kabupaten=body.kabupaten, package=body.package)
    options = SolveOptions(time_limit_s=settings.solve_time_limit_s)
    return solver_sweep(problem, lever, _values(body), options, breakpoints=body.breakpoints), \
        scenario.name


def _problem(session: Session, scenario_id: int, version_number: int | None,
             settings: Settings, what: str) -> Problem:
    record = scenario_service.get_record(session, scenario_id)
    version = scenario_service.get_version(session, scenario_id, version_number)
    dataset = datasets.get_dataset(session, record.dataset_id)
    if dataset.village_count > settings.sync_max_villages:
        raise InputError([InputIssue(field="scenario_id", message=(
            f"the dataset has {dataset.village_count:,} villages, more than the "
            f"{settings.sync_max_villages:,} {what} answers in the request; use the command line"))],
            title=f"The {what} is too large to answer at once")
    return Problem(table=datasets.load_table(session, record.dataset_id),
                   scenario=Scenario.model_validate(version.body))


def fairness(session: Session, scenario_id: int, version: int | None,
             settings: Settings) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """The cost of each floor family of a stored scenario (see `solver.fairness`)."""
    problem = _problem(session, scenario_id, version, settings, "cost of fairness")
    options = SolveOptions(time_limit_s=settings.solve_time_limit_s)
    plans_ = without_each_floor(problem, options)
    base = plans_[0][1]
    if not base.has_targets:
        raise Conflict(f"The scenario is {base.status.value}, so its floors have no cost to "
                       f"show: {base.message}")
    return fairness_frames(plans_)


def plan_for_marginals(session: Session, plan_id: int) -> Plan:
    record = plans.get_record(session, plan_id)
    plans.refuse_unchecked(record, "marginals")
    return plans.load_plan(session, plan_id)
