"""The plan (contract section 4): what a solve gives back."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class Status(StrEnum):
    optimal = "optimal"
    infeasible = "infeasible"
    time_limit = "time_limit"  # stopped at the time limit; `villages` holds the best plan found, if any
    error = "error"


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
    coverage_before: float
    coverage_after: float
    # extra objective per additional Rp1,000,000 of the village's dana desa cap (continuous plans)
    marginal_value_per_million: float | None = None


class PoolUse(BaseModel):
    kabupaten: str  # "" for the one pool of a table without a kabupaten column
    pool_idr: float
    spent_idr: float
    # extra objective per additional Rp1,000,000 in this pool (continuous plans)
    marginal_value_per_million: float | None = None


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
    coverage_before: float
    coverage_after: float
    villages: int
    villages_with_new_enrollments: int


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


class Explanation(BaseModel):
    """Why a scenario is infeasible, in a planner's words, with the figures behind it."""

    constraint: str  # "coverage_floors", "apbd_pool", "min_new_enrollments", "solver"
    message: str
    kabupaten: str | None = None
    shortfall_idr: float | None = None
    villages: list[Shortfall] = Field(default_factory=list)


class PlanCheck(BaseModel):
    """Our own check of the plan against every constraint, after the solver."""

    ok: bool
    tolerance: float
    max_violation: float
    violations: list[str] = Field(default_factory=list)  # the worst few, in words


class Plan(BaseModel):
    status: Status
    objective: float | None
    objective_name: str
    scenario_name: str
    message: str = ""
    integer: bool = False
    method: Method = Method.lp
    lp_bound: float | None = None  # the continuous optimum, a bound for whole-number plans
    gap_to_lp_bound: float | None = None  # |lp_bound - objective| / max(1, |lp_bound|)
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
    groups: list[str] = Field(default_factory=list)
    packages: list[str] = Field(default_factory=list)
