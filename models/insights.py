"""Planning insights: budget-outcome curves and the way out of infeasibility."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class LeverKind(StrEnum):
    dana_desa_share = "dana_desa_share"  # the scenario's share of dana desa (villages with their own
    # `max_share` keep theirs)
    add_share = "add_share"
    apbd_pool = "apbd_pool"  # one kabupaten's pool, or every pool (each set to the same amount)
    premium = "premium"  # one package's monthly premium in rupiah
    min_coverage = "min_coverage"


class Lever(BaseModel):
    kind: LeverKind
    kabupaten: str | None = None  # apbd_pool: this kabupaten's pool only (None: every pool)
    package: str | None = None  # premium: the package's code (None: the first package)

    @property
    def is_money(self) -> bool:
        return self.kind in (LeverKind.dana_desa_share, LeverKind.add_share, LeverKind.apbd_pool)

    def label(self) -> str:
        if self.kind == LeverKind.apbd_pool:
            return f"APBD pool of {self.kabupaten} (Rp)" if self.kabupaten else "APBD pool (Rp)"
        if self.kind == LeverKind.premium:
            return f"monthly premium of {self.package or 'the first package'} (Rp)"
        return {
            LeverKind.dana_desa_share: "share of dana desa",
            LeverKind.add_share: "share of ADD",
            LeverKind.min_coverage: "coverage floor",
        }[self.kind]


class CurvePoint(BaseModel):
    """The outcome at one value of the lever."""

    lever_value: float
    kind: str  # "sampled", "breakpoint", "feasible_from" or "saturated_from"
    status: str  # optimal, infeasible, time_limit, error
    objective: float | None = None
    new_enrollments: float | None = None
    coverage_after: float | None = None
    spend_dana_desa_idr: float | None = None
    spend_add_idr: float | None = None
    spend_apbd_idr: float | None = None
    spend_total_idr: float | None = None
    # objective per unit of the lever, on the curve's segment left and right of the point (exact
    # for continuous levers with breakpoints; the dual's rate otherwise)
    slope_left: float | None = None
    slope_right: float | None = None
    # objective per Rp1,000,000 more of the lever's money (money levers only), right of the point
    marginal_value_per_million: float | None = None
    check_ok: bool | None = None  # the point's plan passed desaplan's own check of every constraint


class Curve(BaseModel):
    lever: Lever
    objective_name: str
    integer: bool
    exact: bool  # breakpoints are exact (continuous plan, a lever on right-hand sides)
    points: list[CurvePoint] = Field(default_factory=list)  # sorted by lever_value
    breakpoints: list[float] = Field(default_factory=list)  # where the curve's slope changes
    feasible_from: float | None = None  # money levers: the least value with a plan
    feasible_up_to: float | None = None  # min_coverage: the highest floor with a plan
    saturated_from: float | None = None  # more than this buys nothing more
    saturation_reason: str = ""
    message: str = ""
    lp_solves: int = 0  # warm LP re-solves made for the curve
    seconds: float = 0.0


class Remedy(BaseModel):
    """One change that alone makes an infeasible scenario feasible (the least such change)."""

    lever: str  # "apbd_pool", "dana_desa_share", "add_share", "min_coverage",
    # "group_min_coverage", "min_new_enrollments"
    kabupaten: str | None = None  # apbd_pool: whose pool
    group: str | None = None  # group_min_coverage: which group's floor
    current: float
    needed: float | None  # None: no value of this lever alone suffices
    message: str
    # apbd_pool where another kabupaten is short too (so `needed` is None: no pool alone suffices):
    # what this pool needs for its own villages, with the other shortfalls met as well
    needed_with_others_met: float | None = None
    # apbd_pool: what the money is for, "floors", "target" or "floors_and_target"
    money_for: str | None = None
    # the remedy is the least change: a plan exists at `needed` and none one step short of it (the
    # money checks behind it are exact, for whole workers too)
    exact: bool = True
    # a multi-year plan: the year (1..T) whose value this is, and its fiscal year; None for a
    # lever that holds every year (a share, a group floor, the pool of year 1 grown as set)
    year: int | None = None
    fiscal_year: int | None = None


class RuleKind(StrEnum):
    no_village_loses_enrollments = "no_village_loses_enrollments"
    min_village_coverage = "min_village_coverage"  # value: the share, e.g. 0.2
    max_spend_idr = "max_spend_idr"  # value: rupiah; the plan's total spend at most this
    objective_not_lower = "objective_not_lower"  # than the baseline's (for min_cost: not higher)


class AcceptanceRule(BaseModel):
    """A promise a compared plan must keep (against the baseline where the rule says so)."""

    kind: RuleKind
    value: float | None = None  # the share or rupiah the rule needs
    tolerance: float = Field(default=1e-6, ge=0)  # workers, a share, rupiah or relative (objective)


class RuleResult(BaseModel):
    plan: str  # the compared plan's label
    rule: AcceptanceRule
    passed: bool
    detail: str
    villages: list[str] = Field(default_factory=list)  # codes of the villages that break it
