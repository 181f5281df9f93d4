"""The database tables and the shapes the HTTP service reads and answers with.

Families in the style of the FastAPI full-stack template: `<Thing>Base` holds the shared fields,
`<Thing>` is the table, `<Thing>Create` what a client sends, `<Thing>Public` what it gets back.
The table names avoid the domain names of `models.scenario` and `models.plan`
(`ScenarioRecord`, `PlanRecord`) so both can be imported side by side.

Stored things never change: a corrected village table is a new dataset, a revised scenario a new
version, and a plan pins the scenario version and the dataset it was solved from.
Villages of datasets and plans are rows (for paging, filtering and sorting in SQL), written in
bulk with one executemany and keyed by (owner id, position) so they need no index of their own.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.insights import AcceptanceRule, Remedy, RuleResult
from models.plan import (
    Explanation,
    GroupReason,
    PlanCheck,
    PoolUse,
    ReplanBasis,
    Shortfall,
    Totals,
    YearTotals,
)
from models.rules import MonthlyPremium, RulesUsed
from models.scenario import IntegerMethod
from models.village import Village

# ids are SQLite's 64-bit integers: a larger one names no row (and would overflow the driver)
DB_INT_MAX = 2**63 - 1
RowId = Annotated[int, PydanticField(ge=1, le=DB_INT_MAX)]


def utc_now() -> datetime:
    """Timestamps are aware UTC datetimes (SQLModel's UTCDateTime stores them so)."""
    return datetime.now(UTC)


# --- datasets -------------------------------------------------------------------------------


class DatasetBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)


class Dataset(DatasetBase, table=True):
    __tablename__ = "dataset"

    id: int | None = Field(default=None, primary_key=True)
    slug: str
    source_filename: str | None = None
    groups: list[str] = Field(sa_column=Column(JSON, nullable=False))
    kabupaten: list[str] = Field(sa_column=Column(JSON, nullable=False))
    village_count: int
    kecamatan_count: int
    created_at: datetime = Field(default_factory=utc_now)


class DatasetPublic(DatasetBase):
    id: int
    slug: str
    source_filename: str | None
    groups: list[str]
    kabupaten: list[str]
    village_count: int
    kecamatan_count: int
    created_at: datetime


class DatasetRowsCreate(DatasetBase):
    """A village table sent as JSON rows (the columns of the contract's village table)."""

    model_config = ConfigDict(  # type: ignore[assignment]
        json_schema_extra={
            "examples": [
                {
                    "name": "Two villages of Cikarang Barat",
                    "rows": [
                        {
                            "village_code": "32.16.08.2010",
                            "village_name": "Telajung",
                            "kecamatan": "Cikarang Barat",
                            "dana_desa_idr": 1580000000,
                            "add_idr": 650000000,
                            "uninsured_farmers": 420,
                            "uninsured_construction": 310,
                            "enrolled_farmers": 55,
                            "priority": 1.2,
                        },
                        {
                            "village_code": "32.16.08.2009",
                            "village_name": "Kalijaya",
                            "kecamatan": "Cikarang Barat",
                            "dana_desa_idr": 1490000000,
                            "uninsured_farmers": 380,
                            "uninsured_construction": 260,
                        },
                    ],
                }
            ]
        }
    )

    rows: list[dict[str, Any]] = Field(min_length=1)


class DatasetVillage(SQLModel, table=True):
    __tablename__ = "dataset_village"
    __table_args__ = (
        UniqueConstraint("dataset_id", "village_code"),
        Index("ix_dataset_village_kecamatan", "dataset_id", "kecamatan"),
    )

    dataset_id: int = Field(foreign_key="dataset.id", primary_key=True)
    position: int = Field(primary_key=True)  # 0-based order of the uploaded table
    village_code: str
    village_name: str
    kecamatan: str
    kabupaten: str
    dana_desa_idr: float
    add_idr: float
    uninsured: dict[str, int] = Field(sa_column=Column(JSON, nullable=False))
    enrolled: dict[str, int] = Field(sa_column=Column(JSON, nullable=False))
    priority: float
    max_share: float | None = None


# --- scenarios ------------------------------------------------------------------------------


class ScenarioRecord(SQLModel, table=True):
    __tablename__ = "scenario"

    id: int | None = Field(default=None, primary_key=True)
    dataset_id: int = Field(foreign_key="dataset.id", index=True)
    name: str
    slug: str
    latest_version: int = 1
    archived: bool = False
    created_at: datetime = Field(default_factory=utc_now)
    archived_at: datetime | None = None


class ScenarioVersion(SQLModel, table=True):
    __tablename__ = "scenario_version"
    __table_args__ = (UniqueConstraint("scenario_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    scenario_id: int = Field(foreign_key="scenario.id", index=True)
    version: int
    body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))  # models.Scenario
    note: str | None = None
    created_at: datetime = Field(default_factory=utc_now)


_SCENARIO_EXAMPLE: dict[str, Any] = {
    "name": "Bekasi 2026, 3% of dana desa plus Rp1.5 billion from the APBD",
    "horizon_months": 12,
    "packages": [
        {"code": "JKK-JKM", "monthly_premium_idr": 16800, "value": 1.0},
        {"code": "JKK-JKM-JHT", "monthly_premium_idr": 36800, "value": 1.3},
    ],
    "group_weights": {"fishers": 3.0, "construction": 2.5, "farmers": 2.0},
    "budget": {"dana_desa_share": 0.03, "add_share": 0.0, "apbd_pool_idr": 1500000000},
    "targets": {"min_coverage": 0.2},
    "objective": "max_protection",
    "integer": True,
}


class ScenarioCreate(SQLModel):
    """A new scenario against a stored dataset; `scenario` is the contract's scenario JSON."""

    model_config = ConfigDict(  # type: ignore[assignment]
        json_schema_extra={
            "examples": [
                {"dataset_id": 1, "slug": "dd3-apbd", "scenario": _SCENARIO_EXAMPLE},
            ]
        }
    )

    dataset_id: int = Field(ge=1, le=DB_INT_MAX)
    slug: str | None = Field(default=None, max_length=80)  # from the scenario's name when absent
    scenario: dict[str, Any]


class ScenarioRevise(SQLModel):
    """A revision: the whole scenario JSON again, stored as the next version."""

    model_config = ConfigDict(  # type: ignore[assignment]
        json_schema_extra={
            "examples": [
                {
                    "note": "5% of dana desa instead of 3%",
                    "scenario": {
                        **_SCENARIO_EXAMPLE,
                        "budget": {"dana_desa_share": 0.05, "apbd_pool_idr": 1500000000},
                    },
                }
            ]
        }
    )

    scenario: dict[str, Any]
    note: str | None = Field(default=None, max_length=500)


class ScenarioVersionPublic(SQLModel):
    scenario_id: int
    version: int
    note: str | None
    created_at: datetime
    scenario: dict[str, Any]


class ScenarioPublic(SQLModel):
    id: int
    dataset_id: int
    name: str
    slug: str
    latest_version: int
    archived: bool
    created_at: datetime
    archived_at: datetime | None
    scenario: dict[str, Any]  # the latest version's body
    versions: list[int]


# --- plans ----------------------------------------------------------------------------------


class PlanRecord(SQLModel, table=True):
    __tablename__ = "plan"

    id: int | None = Field(default=None, primary_key=True)
    scenario_id: int = Field(foreign_key="scenario.id", index=True)
    scenario_version_id: int = Field(foreign_key="scenario_version.id", index=True)
    dataset_id: int = Field(foreign_key="dataset.id", index=True)
    status: str
    objective: float | None = None
    objective_name: str
    scenario_name: str
    village_count: int
    # models.Plan without its villages: totals, pools, explanations, check, timings
    detail: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utc_now)


class PlanVillage(SQLModel, table=True):
    __tablename__ = "plan_village"
    __table_args__ = (Index("ix_plan_village_kecamatan", "plan_id", "kecamatan"),)

    plan_id: int = Field(foreign_key="plan.id", primary_key=True)
    position: int = Field(primary_key=True)
    village_code: str
    village_name: str
    kecamatan: str
    kabupaten: str
    new_enrollments: float
    enrollments: dict[str, dict[str, float]] = Field(sa_column=Column(JSON, nullable=False))
    spend_dana_desa_idr: float
    spend_add_idr: float
    spend_apbd_idr: float
    spend_total_idr: float
    workers_enrolled_before: int
    workers_total: int
    coverage_before: float | None = None  # None: a village with no informal workers
    coverage_after: float | None = None
    marginal_value_per_million: float | None = None
    marginal_enrollments_per_million: float | None = None
    marginal_range_idr: float | None = None


class PlanFile(SQLModel, table=True):
    """A plan's targets file as it was first written, served as is on every later download: a
    plan never changes, so neither do its files. One row per variant (`csv`, `xlsx`,
    `xlsx-id`, `csv-excel-id-en`, `zip-kecamatan-id`, ...)."""

    __tablename__ = "plan_file"

    plan_id: int = Field(foreign_key="plan.id", primary_key=True)
    variant: str = Field(primary_key=True, max_length=80)
    file_name: str
    file_format: str  # csv, xlsx or zip
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utc_now)


class PlanPublic(SQLModel):
    id: int
    scenario_id: int
    scenario_version: int
    dataset_id: int
    created_at: datetime
    status: str
    objective: float | None
    objective_name: str
    scenario_name: str
    message: str
    integer: bool
    method: str
    lp_bound: float | None
    gap_to_lp_bound: float | None
    build_seconds: float
    solve_seconds: float
    check_seconds: float
    total_seconds: float
    blocks: int  # independent sub-problems solved
    village_count: int
    preferred: bool  # every tie between equally good plans was settled by the stated order
    fallback_blocks: list[str]  # blocks the time limit left with the floors-first plan
    marginals_from: str | None  # "lp", "lp_relaxation" (whole-number plans) or None
    has_targets: bool  # false for a plan whose own check failed, or with no plan at all
    totals: Totals | None
    pools: list[PoolUse]  # what one more million / billion rupiah in each APBD pool buys
    explanations: list[Explanation]  # why an infeasible scenario is infeasible
    # the least change of each lever that alone makes an infeasible scenario feasible
    remedies: list[Remedy] = PydanticField(default_factory=list)
    # villages whose own money cannot pay their floors: all of them at /plans/{id}/shortfalls
    short_village_count: int = 0
    group_reasons: list[GroupReason]  # why each group got what it got
    check: PlanCheck | None
    groups: list[str]
    packages: list[str]
    replan: ReplanBasis | None = Field(
        default=None,
        description="a re-plan of the months left: the plan and actuals it came from, what was spent "
        "and committed, and the check that every actual enrolment stays funded",
    )
    replan_of_plan_id: int | None = Field(default=None, description="a re-plan: the plan it re-plans")
    replan_of_actuals_id: int | None = Field(default=None, description="a re-plan: the actuals it came from")
    fiscal_year: int | None = None
    months: list[str] = PydanticField(default_factory=list)
    rules: RulesUsed | None = None
    premiums: list[MonthlyPremium] = PydanticField(default_factory=list)
    new_by_source: dict[str, float] = PydanticField(default_factory=dict)
    years: list[YearTotals] = Field(
        default_factory=list,
        description="a multi-year plan's years: new and funded workers (every worker enrolled by "
        "then stays funded), spend per source, the year's money and floors; each village's years "
        "are in the targets files (columns per year)")


class InShort(SQLModel):
    """A plan or a comparison in a planner's words, to read out in a meeting."""

    lang: str  # id or en
    text: str


class PlanShortfalls(SQLModel):
    """The way out of an infeasible scenario: every short village and the remedies."""

    plan_id: int
    short_villages: list[Shortfall]  # largest shortfall first, every one of them
    remedies: list[Remedy]


# --- solve jobs -----------------------------------------------------------------------------


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


class JobKind(StrEnum):
    solve = "solve"  # a plan
    sweep = "sweep"  # a budget-outcome curve
    letters = "letters"  # a plan's letters to its villages, one zip per kabupaten in the plan's files


FINISHED_JOB_STATUSES = frozenset({JobStatus.succeeded, JobStatus.failed, JobStatus.cancelled})


class SolveOptionsIn(SQLModel):
    """Solve options a client may set; the time limit is capped by the service's own limit."""

    model_config = ConfigDict(allow_inf_nan=False)  # type: ignore[assignment]

    time_limit_s: float | None = Field(default=None, gt=0, le=86_400)
    gap_rel: float | None = Field(default=None, ge=0, le=1)
    integer_method: IntegerMethod | None = None
    tie_break: bool | None = None


class SolveCreate(SQLModel):
    model_config = ConfigDict(  # type: ignore[assignment]
        json_schema_extra={
            "examples": [
                {"scenario_id": 1, "version": None, "options": {"time_limit_s": 30}},
            ]
        }
    )

    scenario_id: int = Field(ge=1, le=DB_INT_MAX)
    version: int | None = Field(default=None, ge=1, le=DB_INT_MAX)  # the latest when absent
    options: SolveOptionsIn = Field(default_factory=SolveOptionsIn)


class Job(SQLModel, table=True):
    __tablename__ = "job"

    id: int | None = Field(default=None, primary_key=True)
    scenario_id: int = Field(foreign_key="scenario.id", index=True)
    scenario_version_id: int = Field(foreign_key="scenario_version.id")
    status: str = Field(default=JobStatus.queued, index=True)
    mode: str  # "sync" or "async"
    progress: float = 0.0  # 0..1
    phase: str = "queued"
    error: str | None = None
    options: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    plan_id: int | None = Field(default=None, foreign_key="plan.id")
    created_at: datetime = Field(default_factory=utc_now)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    # the last sign of life of whatever holds the job; a running job whose holder went silent failed
    heartbeat_at: datetime | None = None
    worker: str | None = None  # "<host>:<pid>" of the process supervising the solve
    # when the solver refused the input: {"title": ..., "issues": [models.InputIssue, ...]}
    input_error: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # "solve": its result is the plan (`plan_id`); "sweep": its result is the curve (`result`)
    kind: str = Field(default=JobKind.solve, sa_column_kwargs={"server_default": "solve"})
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class JobPublic(SQLModel):
    id: int
    kind: str = Field(default=JobKind.solve, description=(
        "solve (its result is a plan, plan_id) or sweep (a budget-outcome curve, at /sweeps/{id})"))
    scenario_id: int
    scenario_version: int
    status: str
    mode: str
    progress: float
    phase: str
    error: str | None
    options: dict[str, Any]
    plan_id: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    worker: str | None


# --- comparisons ----------------------------------------------------------------------------


class ComparisonCreate(SQLModel):
    model_config = ConfigDict(  # type: ignore[assignment]
        json_schema_extra={"examples": [{"baseline_plan_id": 1, "plan_ids": [2]}]}
    )

    baseline_plan_id: int = Field(ge=1, le=DB_INT_MAX)
    # the plans compared with the baseline
    plan_ids: list[RowId] = Field(min_length=1, max_length=20)
    # acceptance rules: stored with the comparison and answered whenever it is read
    rules: list[AcceptanceRule] = Field(default_factory=list, max_length=50)


class Comparison(SQLModel, table=True):
    __tablename__ = "comparison"

    id: int | None = Field(default=None, primary_key=True)
    baseline_plan_id: int = Field(foreign_key="plan.id")
    plan_ids: list[int] = Field(sa_column=Column(JSON, nullable=False))  # without the baseline
    # the acceptance rules the compared plans must keep (models.AcceptanceRule as JSON)
    rules: list[dict[str, Any]] = Field(default_factory=list,
                                        sa_column=Column(JSON, nullable=False, server_default="[]"))
    created_at: datetime = Field(default_factory=utc_now)


# --- plan against actual -------------------------------------------------------------------


class ActualsRecord(SQLModel, table=True):
    """What was enrolled, per village and month, against one plan (models.Actuals in `body`)."""

    __tablename__ = "actuals"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    name: str | None = Field(default=None, max_length=200)
    source_filename: str | None = None
    through_month: int
    start: str | None = None
    row_count: int
    actual_enrollments: int
    body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utc_now)


class ActualsPublic(SQLModel):
    id: int = Field(description="this resource's id")
    plan_id: int = Field(description="the plan the actuals are against")
    name: str | None = Field(description="a name people read")
    source_filename: str | None = Field(description="the uploaded file's name")
    through_month: int = Field(description="months of the plan's horizon the actuals cover, 1 = its first")
    start: str | None = Field(description="the plan's first month as the report dates it, e.g. 2026-01")
    row_count: int = Field(description="rows of the report, count")
    actual_enrollments: int = Field(description="new enrolments reported, workers")
    created_at: datetime = Field(description="when it was uploaded (UTC)")


class ActualsRowsCreate(SQLModel):
    """Actuals sent as JSON rows: one object per village and month, the columns of an actuals file."""

    model_config = ConfigDict(  # type: ignore[assignment]
        json_schema_extra={
            "examples": [
                {
                    "name": "BPJS Ketenagakerjaan Cikarang, June 2026",
                    "rows": [
                        {"village_code": "32.16.08.2010", "month": "2026-05", "enrolled_farmers": 12},
                        {"village_code": "32.16.08.2010", "month": "2026-06", "enrolled_farmers": 7},
                    ],
                }
            ]
        }
    )

    name: str | None = Field(default=None, min_length=1, max_length=200)
    through_month: int | None = Field(default=None, ge=1, le=120,
                                      description="months of the plan past (default: the report's last)")
    start: str | None = Field(default=None, max_length=7,
                              description="the plan's first month, YYYY-MM or 1..12 (default: January)")
    rows: list[dict[str, Any]] = Field(min_length=1)


class ReplanLink(SQLModel, table=True):
    """A re-plan pins the plan and the actuals it came from."""

    __tablename__ = "plan_replan"

    plan_id: int = Field(foreign_key="plan.id", primary_key=True)  # the re-plan
    source_plan_id: int = Field(foreign_key="plan.id", index=True)
    actuals_id: int = Field(foreign_key="actuals.id", index=True)
    created_at: datetime = Field(default_factory=utc_now)


class ReplanCreate(SQLModel):
    options: SolveOptionsIn = Field(default_factory=SolveOptionsIn,
                                    description="the solve options used")


# --- shared answer shapes -------------------------------------------------------------------


class Page[T](SQLModel):
    """One page of a longer list: `total` counts every item that matches the filter."""

    items: list[T]
    total: int
    offset: int
    limit: int


class DatasetDetail(DatasetPublic):
    kecamatan: list[str]  # every kecamatan of the table, sorted
    villages: Page[Village]  # the requested page


class ComparisonPublic(SQLModel):
    id: int
    baseline_plan_id: int
    plan_ids: list[int]
    rules: list[AcceptanceRule]  # answered in `checks` whenever the comparison is read
    created_at: datetime


class ComparisonResult(ComparisonPublic):
    """The tables of a comparison, each a list of rows; see scenarios.compare for the columns."""

    baseline: str  # the baseline plan's label
    plans: list[str]  # the compared plans' labels
    totals: list[dict[str, Any]]
    kecamatan: list[dict[str, Any]]
    villages: list[dict[str, Any]] | None  # left out when asked with villages=false
    gainers: list[dict[str, Any]]
    losers: list[dict[str, Any]]
    checks: list[RuleResult] = Field(default_factory=list)  # one per rule and compared plan
    warnings: list[str] = Field(default_factory=list)  # the plans do not compare like with like



# --- accounts and the audit trail -----------------------------------------------------------


class Role(StrEnum):
    admin = "admin"  # users, tokens, the audit trail, and every write
    planner = "planner"  # datasets, scenarios, solves, comparisons of its kabupaten
    viewer = "viewer"  # reads
    operator = "operator"  # a village operator: its own villages' targets and plans


class UserBase(SQLModel):
    name: str = Field(min_length=1, max_length=80, regex=r"^[A-Za-z0-9_.@-]+$")
    role: Role
    # a planner's kabupaten, as the village tables name it (code or name)
    kabupaten: str | None = Field(default=None, max_length=200)


class User(UserBase, table=True):
    __tablename__ = "app_user"
    __table_args__ = (UniqueConstraint("name"),)

    id: int | None = Field(default=None, primary_key=True)
    role: str  # type: ignore[assignment]
    # a village operator's villages (Kemendagri codes, dotted)
    village_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utc_now)
    disabled_at: datetime | None = None


class UserCreate(UserBase):
    model_config = ConfigDict(  # type: ignore[assignment]
        json_schema_extra={
            "examples": [{"name": "siti.planner", "role": "planner", "kabupaten": "Bekasi"}]
        }
    )

    village_codes: list[str] = Field(default_factory=list, max_length=10_000)


class UserPublic(UserBase):
    id: int
    village_codes: list[str]
    created_at: datetime
    disabled_at: datetime | None


class ApiToken(SQLModel, table=True):
    """A bearer token, stored as its argon2 hash; `prefix` finds the row without the secret."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    prefix: str = Field(index=True, unique=True)
    secret_hash: str
    label: str | None = None
    created_at: datetime = Field(default_factory=utc_now)
    revoked_at: datetime | None = None


class TokenCreate(SQLModel):
    label: str | None = Field(default=None, max_length=200)


class TokenPublic(SQLModel):
    id: int
    user_id: int
    prefix: str
    label: str | None
    created_at: datetime
    revoked_at: datetime | None


class TokenCreated(TokenPublic):
    token: str  # shown once: only its hash is kept


class DatasetScope(SQLModel, table=True):
    """The kabupaten a dataset belongs to, for planners' rights (the uploading planner's own)."""

    __tablename__ = "dataset_scope"

    dataset_id: int = Field(foreign_key="dataset.id", primary_key=True)
    kabupaten: str


class AuditEvent(SQLModel, table=True):
    """One write: who, when, what, from where."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utc_now, index=True)
    user_id: int | None = Field(default=None, index=True)  # none for the command line's own
    user_name: str
    action: str = Field(index=True)  # e.g. "scenario.archive"
    target: str  # e.g. "scenario/4"
    client: str | None = None  # the address the request came from, "cli" for the command line
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class AuditEventPublic(SQLModel):
    id: int
    at: datetime
    user_id: int | None
    user_name: str
    action: str
    target: str
    client: str | None
    detail: dict[str, Any]


class ComparisonChecks(SQLModel):
    """Acceptance rules to answer for a stored comparison."""

    rules: list[AcceptanceRule] = Field(min_length=1)


class ComparisonChecksResult(SQLModel):
    checks: list[RuleResult]
    warnings: list[str]
    passed: bool  # every rule held for every compared plan


class SweepCreate(SQLModel):
    """A budget-outcome curve of a stored scenario: one lever over a range or a list of points."""

    model_config = ConfigDict(  # type: ignore[assignment]
        allow_inf_nan=False,
        json_schema_extra={"examples": [{"scenario_id": 1, "lever": "add_share", "start": 0.0,
                                         "stop": 0.3, "points": 20}]},
    )

    scenario_id: RowId
    version: int | None = Field(default=None, ge=1, le=DB_INT_MAX)  # the latest when absent
    lever: str = Field(max_length=40)  # dana_desa_share, add_share, apbd_pool, premium, min_coverage
    kabupaten: str | None = None  # apbd_pool: this kabupaten's pool only
    package: str | None = None  # premium: the package's code
    values: list[float] | None = Field(default=None, max_length=500)  # the points; or start, stop, points
    start: float | None = None
    stop: float | None = None
    points: int = Field(default=20, ge=2, le=500)
    breakpoints: bool = True  # exact breakpoints (continuous plans)
    integer: bool | None = None  # override the scenario's whole-number setting


class FairnessCreate(SQLModel):
    """The cost of each floor family of a stored scenario."""

    scenario_id: RowId
    version: int | None = Field(default=None, ge=1, le=DB_INT_MAX)  # the latest when absent


# --- the district's boundaries ----------------------------------------------------------------


class DatasetBoundaries(SQLModel, table=True):
    """A village table's boundaries as the district uploaded them, checked: one GeoJSON feature
    per desa or kecamatan (`properties.code`, `.level`, `.name`), and the villages with no shape."""

    __tablename__ = "dataset_boundaries"

    dataset_id: int = Field(foreign_key="dataset.id", primary_key=True)
    file_name: str
    geojson: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    desa: int = 0  # desa shapes
    kecamatan: int = 0  # kecamatan shapes
    missing: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utc_now)


class BoundariesPublic(SQLModel):
    """What a boundaries upload gave: its shapes by level, and the table's villages without one."""

    dataset_id: int
    file_name: str
    desa: int = PydanticField(description="desa shapes")
    kecamatan: int = PydanticField(description="kecamatan shapes")
    missing: list[str] = PydanticField(description="village codes with no desa shape nor kecamatan shape")
    created_at: datetime
