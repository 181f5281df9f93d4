"""The shapes the HTTP service reads and answers with, and the bases the tables share.

Families in the style of the FastAPI full-stack template: `<Thing>Base` holds the shared fields,
`<Thing>Create` is what a client sends, `<Thing>Public` what it gets back; the tables
(`models.tables`) build on the same bases.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import ConfigDict
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from models.enums import JobKind, Role
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

DB_INT_MAX = 2**63 - 1


RowId = Annotated[int, PydanticField(ge=1, le=DB_INT_MAX)]


def utc_now() -> datetime:
    """Timestamps are aware UTC datetimes (SQLModel's UTCDateTime stores them so)."""
    return datetime.now(UTC)


# --- datasets -------------------------------------------------------------------------------


class DatasetBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)


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
    unsolved_blocks: int = 0  # blocks the time limit cut short (the rest keep their optimal plans)
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
        "are in the targets files (columns per year)",
    )


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


class JobPublic(SQLModel):
    id: int
    kind: str = Field(
        default=JobKind.solve,
        description=(
            "solve (its result is a plan, plan_id) or sweep (a budget-outcome curve, at /sweeps/{id})"
        ),
    )
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
    through_month: int | None = Field(
        default=None, ge=1, le=120, description="months of the plan past (default: the report's last)"
    )
    start: str | None = Field(
        default=None, max_length=7, description="the plan's first month, YYYY-MM or 1..12 (default: January)"
    )
    rows: list[dict[str, Any]] = Field(min_length=1)


class ReplanCreate(SQLModel):
    options: SolveOptionsIn = Field(default_factory=SolveOptionsIn, description="the solve options used")


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


class UserBase(SQLModel):
    name: str = Field(min_length=1, max_length=80, regex=r"^[A-Za-z0-9_.@-]+$")
    role: Role
    # a planner's kabupaten, as the village tables name it (code or name)
    kabupaten: str | None = Field(default=None, max_length=200)


class UserCreate(UserBase):
    model_config = ConfigDict(  # type: ignore[assignment]
        json_schema_extra={"examples": [{"name": "siti.planner", "role": "planner", "kabupaten": "Bekasi"}]}
    )

    village_codes: list[str] = Field(default_factory=list, max_length=10_000)


class UserPublic(UserBase):
    id: int
    village_codes: list[str]
    created_at: datetime
    disabled_at: datetime | None


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
        json_schema_extra={
            "examples": [{"scenario_id": 1, "lever": "add_share", "start": 0.0, "stop": 0.3, "points": 20}]
        },
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


class BoundariesPublic(SQLModel):
    """What a boundaries upload gave: its shapes by level, and the table's villages without one."""

    dataset_id: int
    file_name: str
    desa: int = PydanticField(description="desa shapes")
    kecamatan: int = PydanticField(description="kecamatan shapes")
    missing: list[str] = PydanticField(description="village codes with no desa shape nor kecamatan shape")
    created_at: datetime
