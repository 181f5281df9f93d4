"""The plan (contract section 4): what a solve gives back."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from models.insights import Remedy
from models.rules import MonthlyPremium, RulesUsed


class Status(StrEnum):
    optimal = "optimal"
    infeasible = "infeasible"
    # stopped at the time limit: `villages` holds a checked, feasible plan not proven optimal (its
    # gap to the best bound in `gap_to_lp_bound`), or is empty when no such plan was found in time
    time_limit = "time_limit"
    error = "error"  # the plan's own check failed, or the solver failed: no targets from it


class Method(StrEnum):
    lp = "lp"  # continuous linear program
    lp_rounded = "lp_rounded"  # LP rounded down and repaired to whole workers
    mip = "mip"  # HiGHS branch and bound


class VillagePlan(BaseModel):
    village_code: str
    village_name: str
    kecamatan: str
    kabupaten: str
    new_enrollments: float
    # group -> package code -> new enrolments
    enrollments: dict[str, dict[str, float]]
    spend_dana_desa_idr: float
    spend_add_idr: float
    spend_apbd_idr: float
    spend_total_idr: float
    workers_enrolled_before: int
    workers_total: int  # enrolled + uninsured
    coverage_before: float | None  # None for a village with no informal workers at all
    coverage_after: float | None
    # what Rp1,000,000 more of the village's own cap (dana desa + ADD) buys: objective points and
    # new enrolments, and over how many more rupiah that rate holds (from the LP; for whole-number
    # plans from its relaxation)
    marginal_value_per_million: float | None = None
    marginal_enrollments_per_million: float | None = None
    marginal_range_idr: float | None = None  # None: no end to the range (or not known)


class SourceEnrollment(BaseModel):
    """New workers of one village paid by one source, in one sector and package (plans priced by
    the contribution rules, whose premiums may differ by source and sector)."""

    village_code: str
    source: str  # dana_desa, add, apbd_pool
    sector: str  # general, transport
    package: str
    workers: float


class PoolUse(BaseModel):
    kabupaten: str  # "" for the one pool of a table without a kabupaten column
    pool_idr: float
    spent_idr: float
    # what more money in this pool buys, from the LP (for whole-number plans its relaxation): the
    # rate per Rp1,000,000 and per Rp1,000,000,000 in objective points and new enrolments, and over
    # how many more rupiah the rate holds (None: no end)
    marginal_value_per_million: float | None = None
    marginal_value_per_billion: float | None = None
    marginal_enrollments_per_billion: float | None = None
    marginal_range_idr: float | None = None
    # exact: the LP re-solved with the pool raised by Rp1,000,000,000. `plus_billion_objective` is
    # the re-solve's answer (the whole plan's LP objective with the billion more), and
    # `plus_billion_gain` what it gains over the LP without it; `plus_billion_value` is the gain
    # too, under the name earlier plans and files used (kept for their readers)
    plus_billion_objective: float | None = None
    plus_billion_gain: float | None = None
    plus_billion_value: float | None = None
    plus_billion_enrollments: float | None = None


class Totals(BaseModel):
    new_enrollments: float
    new_by_group: dict[str, float]
    new_by_package: dict[str, float]
    spend_dana_desa_idr: float
    spend_add_idr: float
    spend_apbd_idr: float
    spend_total_idr: float
    workers_enrolled_before: int
    workers_total: int
    coverage_before: float | None  # None when the table has no informal workers at all
    coverage_after: float | None
    villages: int
    villages_with_new_enrollments: int


class GroupReason(BaseModel):
    """Why a group got what it got: its weight, its cost per worker, the floors and caps that bind."""

    group: str
    weight: float
    uninsured: int
    new_enrollments: float
    # objective points per Rp1 million at the package that gives the most per rupiah
    value_per_million: float
    cheapest_cost_idr: float  # the cheapest package's cost of one worker for the horizon
    floor_share: float  # the group's own coverage floor (0: none)
    villages_at_floor: int  # villages where the group gets exactly what its floor requires (> 0)
    villages_all_enrolled: int  # villages where every uninsured worker of the group is enrolled
    villages_with_workers: int


class Shortfall(BaseModel):
    """One village that cannot meet its floors with its own money."""

    village_code: str
    village_name: str
    kecamatan: str
    kabupaten: str
    workers_needed: float  # new enrolments the floors require
    cost_idr: float  # cheapest cost of those enrolments
    own_budget_idr: float  # dana desa cap + ADD cap
    shortfall_idr: float  # cost - own budget, > 0
    year: int | None = None  # a multi-year plan: the year (1..T) of these figures


class Explanation(BaseModel):
    """Why a scenario is infeasible, in a planner's words, with the figures behind it."""

    constraint: str  # "coverage_floors", "apbd_pool", "min_new_enrollments", "solver"
    message: str
    kabupaten: str | None = None
    shortfall_idr: float | None = None
    villages: list[Shortfall] = Field(default_factory=list)
    year: int | None = None  # a multi-year plan: the year (1..T) that falls short
    fiscal_year: int | None = None


class PlanCheck(BaseModel):
    """Our own check of the plan against every constraint, after the solver."""

    ok: bool
    tolerance: float
    max_violation: float
    violations: list[str] = Field(default_factory=list)  # the worst few, in words


class ReplanBasis(BaseModel):
    """What a re-plan came from, and the check that it keeps every actual enrolment funded."""

    source_plan: str  # plan.json's path, or "plan/<id>" in the service
    source_plan_sha256: str | None = None
    actuals: str  # the actuals file, or "actuals/<id>"
    actuals_sha256: str | None = None
    through_month: int
    horizon_months_before: int
    months_remaining: int
    actual_enrollments: int = Field(ge=0)
    spent_dana_desa_idr: float
    spent_add_idr: float
    spent_apbd_idr: float
    committed_dana_desa_idr: float
    committed_add_idr: float
    committed_apbd_idr: float
    # the money the re-plan may use: per source, over the table
    free_dana_desa_idr: float
    free_add_idr: float
    free_apbd_idr: float
    # every actual enrolment moved to enrolled, and new spend + spent + committed within each
    # village's caps and each pool
    check: PlanCheck | None = None


class VillageYear(BaseModel):
    """One village in one year of a multi-year plan: the workers it enrols that year, the workers it
    funds that year (every worker enrolled in that year or before: cover continues), by group and
    package, and what each source pays that year."""

    village_code: str
    year: int  # 1..T
    fiscal_year: int | None = None
    new_enrollments: float
    funded: float
    enrollments: dict[str, dict[str, float]]  # group -> package -> new that year
    funded_by: dict[str, dict[str, float]]  # group -> package -> funded that year
    spend_dana_desa_idr: float
    spend_add_idr: float
    spend_apbd_idr: float
    coverage_after: float | None  # at the end of the year
    # what Rp1 million more of the village's own money in this year buys (the LP's; for
    # whole-number plans its relaxation): objective points and new enrolments, and over how many
    # more rupiah the rates hold (None: no end); None where the plan gives no marginal values
    marginal_value_per_million: float | None = None
    marginal_enrollments_per_million: float | None = None
    marginal_range_idr: float | None = None


class PoolYear(BaseModel):
    """One APBD pool in one year of a multi-year plan: its money, what the plan spends of it, and
    what Rp1 million more of it in that year buys (as `VillageYear`'s marginal values)."""

    kabupaten: str  # "" for the one pool of a table without a kabupaten column
    year: int
    fiscal_year: int | None = None
    pool_idr: float
    spent_idr: float
    marginal_value_per_million: float | None = None
    marginal_enrollments_per_million: float | None = None
    marginal_range_idr: float | None = None


class YearTotals(BaseModel):
    """One year of a multi-year plan over the whole table."""

    year: int
    fiscal_year: int | None = None
    months: int  # months of premiums paid this year
    new_enrollments: float
    funded: float
    spend_dana_desa_idr: float
    spend_add_idr: float
    spend_apbd_idr: float
    cap_dana_desa_idr: float  # what the villages may spend from dana desa this year
    cap_add_idr: float
    pool_idr: float  # every pool of the year
    coverage_after: float | None
    min_coverage: float
    min_new_enrollments: float


class Plan(BaseModel):
    status: Status
    objective: float | None
    objective_name: str
    scenario_name: str
    message: str = ""
    integer: bool = False
    method: Method = Method.lp
    # the best bound on the objective: the LP optimum (a bound for whole-number plans), or where the
    # time limit came first the MIP's, the pool price's Lagrangian or the simple money bound
    lp_bound: float | None = None
    gap_to_lp_bound: float | None = None  # |lp_bound - objective| / max(1, |lp_bound|)
    preferred: bool = True  # every tie between equally good plans was settled by the stated order
    fallback_blocks: list[str] = Field(default_factory=list)  # blocks with the floors-first plan
    # blocks the time limit cut short: their plan is the floors-first one, or the best found but not
    # proven optimal (every other block of a `time_limit` plan keeps its solved, optimal plan)
    unsolved_blocks: int = 0
    marginals_from: str | None = None  # "lp", "lp_relaxation" (whole-number plans) or None
    build_seconds: float = 0.0  # preparing data and building the model
    solve_seconds: float = 0.0  # inside HiGHS
    check_seconds: float = 0.0  # our own check of the plan
    total_seconds: float = 0.0
    blocks: int = 1  # independent sub-problems solved
    check: PlanCheck | None = None
    totals: Totals | None = None
    villages: list[VillagePlan] = Field(default_factory=list)
    pools: list[PoolUse] = Field(default_factory=list)
    explanations: list[Explanation] = Field(default_factory=list)
    # an infeasible plan: every village that cannot pay for its floors (largest shortfall first),
    # and the least change of each lever that alone makes the scenario feasible
    short_villages: list[Shortfall] = Field(default_factory=list)
    remedies: list[Remedy] = Field(default_factory=list)
    group_reasons: list[GroupReason] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    packages: list[str] = Field(default_factory=list)
    # a re-plan of the rest of the horizon: the plan and the actuals it came from
    replan: ReplanBasis | None = None
    # the plan's budget year and months, the contribution rules its premiums came from (none when
    # every premium was typed) and every premium it used: per package, month, sector and source for
    # the rules' packages; one entry for every month, sector and source for a typed premium
    fiscal_year: int | None = None
    months: list[str] = Field(default_factory=list)
    rules: RulesUsed | None = None
    premiums: list[MonthlyPremium] = Field(default_factory=list)
    # new enrolments paid by each source (dana_desa, add, apbd_pool), where premiums differ by who pays
    new_by_source: dict[str, float] = Field(default_factory=dict)
    source_enrollments: list[SourceEnrollment] = Field(default_factory=list)
    # a multi-year plan: its years, and each village's new and funded workers per year (the
    # villages above then hold the whole plan: new over every year, spend over every year)
    years: list[YearTotals] = Field(default_factory=list)
    village_years: list[VillageYear] = Field(default_factory=list)
    pool_years: list[PoolYear] = Field(default_factory=list)  # each pool in each year

    @property
    def has_targets(self) -> bool:
        return targets_allowed(self.status, self.check, len(self.villages))


def targets_allowed(status: Status, check: PlanCheck | None, village_count: int) -> bool:
    """Targets exist only for a plan that passed its own check: optimal, or a checked plan at the
    time limit. A plan whose check failed (`error`) has none, nor has one with no plan."""
    return status in (Status.optimal, Status.time_limit) and village_count > 0 and (check is None or check.ok)
