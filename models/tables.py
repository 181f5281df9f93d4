"""The database tables (SQLModel, `table=True`); the API shapes live in `models.api` and the
status vocabularies in `models.enums`, both importable from here too, as before.

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

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.api import (  # the API shapes and bases, importable from here as before
    DB_INT_MAX,
    ActualsPublic,
    ActualsRowsCreate,
    AuditEventPublic,
    BoundariesPublic,
    ComparisonChecks,
    ComparisonChecksResult,
    ComparisonCreate,
    ComparisonPublic,
    ComparisonResult,
    DatasetBase,
    DatasetDetail,
    DatasetPublic,
    DatasetRowsCreate,
    FairnessCreate,
    InShort,
    JobPublic,
    Page,
    PlanPublic,
    PlanShortfalls,
    ReplanCreate,
    RowId,
    ScenarioCreate,
    ScenarioPublic,
    ScenarioRevise,
    ScenarioVersionPublic,
    SolveCreate,
    SolveOptionsIn,
    SweepCreate,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    UserBase,
    UserCreate,
    UserPublic,
    utc_now,
)
from models.enums import FINISHED_JOB_STATUSES, JobKind, JobStatus, Role


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
    # each column's header as uploaded (code -> header), for the download; none for rows sent as JSON
    headers: dict[str, str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


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


class Comparison(SQLModel, table=True):
    __tablename__ = "comparison"

    id: int | None = Field(default=None, primary_key=True)
    baseline_plan_id: int = Field(foreign_key="plan.id")
    plan_ids: list[int] = Field(sa_column=Column(JSON, nullable=False))  # without the baseline
    # the acceptance rules the compared plans must keep (models.AcceptanceRule as JSON)
    rules: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
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


class ReplanLink(SQLModel, table=True):
    """A re-plan pins the plan and the actuals it came from."""

    __tablename__ = "plan_replan"

    plan_id: int = Field(foreign_key="plan.id", primary_key=True)  # the re-plan
    source_plan_id: int = Field(foreign_key="plan.id", index=True)
    actuals_id: int = Field(foreign_key="actuals.id", index=True)
    created_at: datetime = Field(default_factory=utc_now)


class User(UserBase, table=True):
    __tablename__ = "app_user"
    __table_args__ = (UniqueConstraint("name"),)

    id: int | None = Field(default=None, primary_key=True)
    role: str  # type: ignore[assignment]
    # a village operator's villages (Kemendagri codes, dotted)
    village_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utc_now)
    disabled_at: datetime | None = None


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


class WebSession(SQLModel, table=True):
    """A signed-in page session: the cookie holds a random id, this row its SHA-256 (a copy of
    the table lets nobody in), the token it was opened with, and when it was last used."""

    __tablename__ = "web_session"

    id_hash: str = Field(primary_key=True)
    token_id: int = Field(foreign_key="api_token.id", index=True)
    created_at: datetime = Field(default_factory=utc_now)
    last_seen_at: datetime = Field(default_factory=utc_now)


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


__all__ = [
    "BoundariesPublic",
    "DatasetBoundaries",
    "ActualsPublic",
    "ActualsRecord",
    "ActualsRowsCreate",
    "ApiToken",
    "AuditEvent",
    "AuditEventPublic",
    "Comparison",
    "ComparisonChecks",
    "ComparisonChecksResult",
    "ComparisonCreate",
    "ComparisonPublic",
    "ComparisonResult",
    "DB_INT_MAX",
    "Dataset",
    "DatasetBase",
    "DatasetDetail",
    "DatasetPublic",
    "DatasetRowsCreate",
    "DatasetScope",
    "DatasetVillage",
    "FINISHED_JOB_STATUSES",
    "FairnessCreate",
    "InShort",
    "Job",
    "JobKind",
    "JobPublic",
    "JobStatus",
    "Page",
    "PlanFile",
    "PlanPublic",
    "PlanRecord",
    "PlanShortfalls",
    "PlanVillage",
    "ReplanCreate",
    "ReplanLink",
    "Role",
    "RowId",
    "ScenarioCreate",
    "ScenarioPublic",
    "ScenarioRecord",
    "ScenarioRevise",
    "ScenarioVersion",
    "ScenarioVersionPublic",
    "SolveCreate",
    "SolveOptionsIn",
    "SweepCreate",
    "TokenCreate",
    "TokenCreated",
    "TokenPublic",
    "User",
    "UserBase",
    "UserCreate",
    "UserPublic",
    "utc_now",
]
