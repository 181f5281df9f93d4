"""Every write of a planner's work, from the JSON API and from the pages alike: who may make it,
and its audit event (who, what, from which address). Routes and page handlers call these, never
the services below them, for a write: the check and the record cannot be forgotten by either.

    Actor(who, client)          the caller and the address its request came from
    require_writer(actor)       viewers and village operators change nothing (403)
    require_kabupaten(...)      a planner writes only on datasets of its own kabupaten (403)
    upload_dataset              dataset.upload
    create_scenario             scenario.create
    revise_scenario             scenario.revise
    archive_scenario            scenario.archive
    unarchive_scenario          scenario.unarchive
    solve                       solve (refused ones too: the job may exist)
    cancel_job                  job.cancel
    create_comparison           comparison.create
    start_sweep                 sweep (a curve that runs as a job)
    upload_actuals              actuals.upload (a village office: its own villages' rows only)
    replan                      actuals.replan

A refusal (403) stores nothing and records nothing; each event is written after the write it
records has committed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.errors import Forbidden
from app.i18n import N_
from app.queue.interface import JobQueue
from app.services import (
    actuals,
    audit,
    comparisons,
    datasets,
    insights,
    jobs,
    plans,
    scenarios,
    village_office,
)
from app.services import solves as solve_service
from app.services.accounts import Principal
from app.services.solves import Mode
from app.settings import Settings
from models import VillageTable
from models.tables import (
    Comparison,
    ComparisonCreate,
    Dataset,
    DatasetScope,
    Job,
    JobPublic,
    PlanRecord,
    Role,
    ScenarioPublic,
    ScenarioVersionPublic,
    SolveCreate,
    SweepCreate,
)
from scenarios.limits import ReadLimits

WRITERS = frozenset({Role.admin, Role.planner})


@dataclass(frozen=True)
class Actor:
    """Who writes, and from which address (the request's client; None from the command line)."""

    who: Principal
    client: str | None = None


def record(session: Session, actor: Actor, action: str, target: str, **detail: object) -> None:
    audit.record(session, actor.who, action, target, actor.client, dict(detail))


# --- who may write where ---------------------------------------------------------------------


def require_writer(actor: Actor) -> None:
    who = actor.who
    if who.role not in WRITERS:
        raise Forbidden(
            N_("User '%(user)s' (%(role)s) may read but not change anything."),
            user=who.name,
            role=who.role.value,
        )


def _kabupaten_key(name: str) -> str:
    """`Kabupaten Bekasi`, `Kab. Bekasi` and `Bekasi` are one kabupaten; `Kota Bekasi` is another."""
    text = " ".join(name.split()).casefold()
    for prefix in ("kabupaten ", "kab. ", "kab "):
        if text.startswith(prefix):
            return text[len(prefix) :].strip()
    return text


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and _kabupaten_key(a) == _kabupaten_key(b)


def dataset_kabupaten(session: Session, dataset: Dataset) -> str | None:
    """The kabupaten a dataset belongs to: the uploading planner's, else the one its table
    names, else none (only admins write on it)."""
    assert dataset.id is not None
    scope = session.get(DatasetScope, dataset.id)
    if scope is not None:
        return scope.kabupaten
    named = [k for k in dataset.kabupaten if k]
    return named[0] if len(set(named)) == 1 else None


def require_kabupaten(session: Session, actor: Actor, dataset: Dataset) -> None:
    """A planner writes only on datasets of its own kabupaten; an admin anywhere."""
    require_writer(actor)
    who = actor.who
    if who.role == Role.admin:
        return
    belongs = dataset_kabupaten(session, dataset)
    if _same(belongs, who.kabupaten):
        return
    if belongs:
        raise Forbidden(
            N_(
                "User '%(user)s' plans for kabupaten '%(kabupaten)s'; dataset %(dataset)s belongs "
                "to kabupaten '%(belongs)s'."
            ),
            user=who.name,
            kabupaten=who.kabupaten,
            dataset=dataset.id,
            belongs=belongs,
        )
    raise Forbidden(
        N_(
            "User '%(user)s' plans for kabupaten '%(kabupaten)s'; dataset %(dataset)s belongs to "
            "no kabupaten (only an admin may change it)."
        ),
        user=who.name,
        kabupaten=who.kabupaten,
        dataset=dataset.id,
    )


def require_scenario_kabupaten(session: Session, actor: Actor, scenario_id: int) -> None:
    """What costs a solve on a scenario (a sweep, the cost of fairness) is a planner's own
    kabupaten's: the rule of its writes."""
    require_kabupaten(session, actor, _scenario_dataset(session, scenario_id))


def upload_scope(actor: Actor, kabupaten: list[str]) -> str | None:
    """The kabupaten a planner's upload belongs to (its own); a table naming another is refused."""
    who = actor.who
    if who.role != Role.planner:
        return None
    others = sorted({k for k in kabupaten if k and not _same(k, who.kabupaten)})
    if others:
        raise Forbidden(
            N_("User '%(user)s' plans for kabupaten '%(kabupaten)s'; the table also names %(others)s."),
            user=who.name,
            kabupaten=who.kabupaten,
            others=", ".join(others),
        )
    return who.kabupaten


def _scenario_dataset(session: Session, scenario_id: int) -> Dataset:
    return datasets.get_dataset(session, scenarios.get_record(session, scenario_id).dataset_id)


# --- the writes ------------------------------------------------------------------------------


def upload_dataset(
    session: Session,
    actor: Actor,
    read: Callable[[], VillageTable],
    name: str | None,
    filename: str | None,
) -> Dataset:
    """`read` parses the upload, only once the caller may write at all (a viewer's upload is
    not even read); a planner's table must name no other kabupaten."""
    require_writer(actor)
    table = read()
    scope = upload_scope(actor, table.kabupaten)
    dataset = datasets.create_dataset(session, table, name, filename, scope)
    record(
        session,
        actor,
        "dataset.upload",
        f"dataset/{dataset.id}",
        name=dataset.name,
        villages=dataset.village_count,
    )
    return dataset


def create_scenario(
    session: Session,
    actor: Actor,
    dataset_id: int,
    body: dict[str, Any],
    slug: str | None,
    limits: ReadLimits | None = None,
) -> ScenarioPublic:
    require_kabupaten(session, actor, datasets.get_dataset(session, dataset_id))
    created = scenarios.create_scenario(session, dataset_id, body, slug, limits)
    record(
        session, actor, "scenario.create", f"scenario/{created.id}", dataset_id=dataset_id, name=created.name
    )
    return created


def revise_scenario(
    session: Session,
    actor: Actor,
    scenario_id: int,
    body: dict[str, Any],
    note: str | None,
    limits: ReadLimits | None = None,
) -> ScenarioVersionPublic:
    require_kabupaten(session, actor, _scenario_dataset(session, scenario_id))
    version = scenarios.revise(session, scenario_id, body, note, limits)
    record(session, actor, "scenario.revise", f"scenario/{scenario_id}", version=version.version, note=note)
    return version


def archive_scenario(session: Session, actor: Actor, scenario_id: int) -> ScenarioPublic:
    require_kabupaten(session, actor, _scenario_dataset(session, scenario_id))
    archived = scenarios.archive(session, scenario_id)
    record(session, actor, "scenario.archive", f"scenario/{scenario_id}")
    return archived


def unarchive_scenario(session: Session, actor: Actor, scenario_id: int) -> ScenarioPublic:
    require_kabupaten(session, actor, _scenario_dataset(session, scenario_id))
    restored = scenarios.unarchive(session, scenario_id)
    record(session, actor, "scenario.unarchive", f"scenario/{scenario_id}")
    return restored


def solve(
    session: Session,
    actor: Actor,
    runner: JobQueue,
    body: SolveCreate,
    settings: Settings,
    mode: Mode,
) -> tuple[Job, PlanRecord | None]:
    """The job, and its plan when the solve was waited for (`app.services.solves.start`)."""
    require_kabupaten(session, actor, _scenario_dataset(session, body.scenario_id))
    try:
        job, plan = solve_service.start(session, runner, body, settings, mode)
    except Exception as exc:  # the job may exist though the answer is an error: record the try
        record(session, actor, "solve", f"scenario/{body.scenario_id}", mode=mode, refused=type(exc).__name__)
        raise
    record(
        session, actor, "solve", f"job/{job.id}", scenario_id=body.scenario_id, mode=mode, plan_id=job.plan_id
    )
    return job, plan


def cancel_job(session: Session, actor: Actor, runner: JobQueue, job_id: int) -> JobPublic:
    scenario_id = jobs.get_job(session, job_id).scenario_id
    require_kabupaten(session, actor, _scenario_dataset(session, scenario_id))
    cancelled = jobs.cancel(session, runner, job_id)
    record(session, actor, "job.cancel", f"job/{job_id}", scenario_id=scenario_id)
    return cancelled


def create_comparison(session: Session, actor: Actor, body: ComparisonCreate) -> Comparison:
    """Every compared plan must be of the planner's kabupaten."""
    compared = list(dict.fromkeys([body.baseline_plan_id, *body.plan_ids]))
    require_writer(actor)
    for plan_id in compared:
        plan = plans.get_record(session, plan_id)
        require_kabupaten(session, actor, datasets.get_dataset(session, plan.dataset_id))
    comparison = comparisons.create(session, body)
    record(
        session,
        actor,
        "comparison.create",
        f"comparison/{comparison.id}",
        plan_ids=[body.baseline_plan_id, *body.plan_ids],
    )
    return comparison


def upload_actuals(
    session: Session,
    actor: Actor,
    plan_id: int,
    upload: Any,
    limits: ReadLimits,
    time_limit_s: float = 0,
    villages: frozenset[str] | None = None,
) -> Any:
    """What was enrolled, against a plan of the planner's kabupaten (read only once the planner
    may write on it); a village office's, against a plan its villages are in, of its villages only.
    `villages`: only these villages' rows (a village's page), every other row refused."""
    record_ = plans.get_record(session, plan_id)
    own = villages
    if actor.who.role == Role.operator:
        # a village office: only a plan its villages are in, only its villages' rows
        own = actor.who.village_codes if villages is None else villages & actor.who.village_codes
        village_office.require_village_in_plan(session, plan_id, own)
    else:
        require_kabupaten(session, actor, datasets.get_dataset(session, record_.dataset_id))
    stored = actuals.create(session, plan_id, upload, limits, time_limit_s, only_villages=own)
    record(
        session,
        actor,
        "actuals.upload",
        f"actuals/{stored.id}",
        plan_id=plan_id,
        rows=stored.row_count,
        through_month=stored.through_month,
        enrolments=stored.actual_enrollments,
    )
    return stored


def replan(session: Session, actor: Actor, actuals_id: int, body: Any, settings: Settings) -> PlanRecord:
    """The months left re-planned from the actuals: a new plan of the planner's kabupaten."""
    stored = actuals.get(session, actuals_id)
    source = plans.get_record(session, stored.plan_id)
    require_kabupaten(session, actor, datasets.get_dataset(session, source.dataset_id))
    saved = actuals.create_replan(session, actuals_id, body, settings)
    record(
        session,
        actor,
        "actuals.replan",
        f"plan/{saved.id}",
        source_plan_id=source.id,
        actuals_id=actuals_id,
        status=saved.status,
    )
    return saved


def start_sweep(
    session: Session, actor: Actor, runner: JobQueue, body: SweepCreate, settings: Settings
) -> Job:
    """A curve too large to answer in the request runs as a job, like a solve: a planner's work."""
    require_kabupaten(session, actor, _scenario_dataset(session, body.scenario_id))
    job = insights.start_sweep(session, runner, body, settings)
    record(session, actor, "sweep", f"job/{job.id}", scenario_id=body.scenario_id, lever=body.lever)
    return job
