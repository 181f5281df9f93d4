"""The scenario (contract section 2) and solve options."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from models.rules import FundingSource, MonthlyPremium, RulesUsed
from models.village import MAX_RUPIAH, MAX_WEIGHT, MAX_WORKERS, VillageTable

# no NaN or infinity anywhere: json.loads reads `Infinity` and `NaN`, pydantic would keep them
_FINITE = ConfigDict(extra="forbid", allow_inf_nan=False)
MAX_TOTAL_WORKERS = MAX_WORKERS * 1000  # a table-wide target: fewer than a trillion workers


class Objective(StrEnum):
    max_protection = "max_protection"
    min_cost = "min_cost"


class Package(BaseModel):
    model_config = _FINITE

    code: str = Field(min_length=1, max_length=64, description="the package's code, e.g. JKK-JKM",
                      examples=["JKK-JKM"])
    # at least one rupiah: a premium of 1e-300 would make the value per rupiah infinite
    monthly_premium_idr: float | None = Field(
        default=None, ge=1, lt=MAX_RUPIAH,
        description="premium per worker and month, in rupiah (at least Rp1); leave it out to take "
        "the premium of each month from the contribution rules (then give `declared_income_idr`)",
        examples=[16800]
    )
    declared_income_idr: float | None = Field(
        default=None, gt=0, lt=MAX_RUPIAH,
        description="the declared-income tier the rules price this package at (e.g. 1000000, the "
        "lowest); only for a package without `monthly_premium_idr`", examples=[1000000]
    )
    value: float = Field(
        default=1.0, ge=0, lt=MAX_WEIGHT,
        description="protection one enrolment in this package is worth (weight, no unit)"
    )

    @model_validator(mode="after")
    def _premium_or_tier(self) -> Package:
        if self.monthly_premium_idr is None and self.declared_income_idr is None:
            raise ValueError("give monthly_premium_idr, or declared_income_idr to take the premium "
                             "from the contribution rules")
        if self.monthly_premium_idr is not None and self.declared_income_idr is not None:
            raise ValueError("give monthly_premium_idr or declared_income_idr, not both")
        return self

    @property
    def from_rules(self) -> bool:
        return self.monthly_premium_idr is None


class Budget(BaseModel):
    model_config = _FINITE

    dana_desa_share: float = Field(
        default=0.0, ge=0, le=1, description="share of each village's dana desa that may pay premiums, 0..1"
    )
    add_share: float = Field(
        default=0.0, ge=0, le=1, description="share of each village's ADD that may pay premiums, 0..1"
    )
    # one pool for the whole table, or kabupaten value -> its pool
    apbd_pool_idr: float | dict[str, float] = Field(
        default=0.0,
        description="the kabupaten's APBD co-funding in rupiah: one pool for the table, or an object "
        "from each `kabupaten` value to its pool",
    )

    @field_validator("apbd_pool_idr")
    @classmethod
    def _pool_not_negative(cls, pool: float | dict[str, float]) -> float | dict[str, float]:
        values = pool.values() if isinstance(pool, dict) else [pool]
        if any(v < 0 for v in values):
            raise ValueError("an APBD pool must be >= 0 rupiah")
        if any(v >= MAX_RUPIAH for v in values):
            raise ValueError(f"an APBD pool must be below {MAX_RUPIAH:.0e} rupiah")
        return pool


class Targets(BaseModel):
    model_config = _FINITE

    min_coverage: float = Field(
        default=0.0, ge=0, le=1, description="floor on every village's coverage (all groups), 0..1"
    )
    group_min_coverage: dict[str, float] = Field(
        default_factory=dict, description="group -> floor on that group's coverage in every village, 0..1"
    )
    min_new_enrollments: float = Field(
        default=0, ge=0, lt=MAX_TOTAL_WORKERS,
        description="new enrolments the whole table must reach, workers",
    )

    @field_validator("group_min_coverage")
    @classmethod
    def _shares_in_range(cls, floors: dict[str, float]) -> dict[str, float]:
        for group, share in floors.items():
            if not 0 <= share <= 1:
                raise ValueError(f"the floor for group '{group}' must be between 0 and 1")
        return floors


class Scenario(BaseModel):
    model_config = _FINITE

    name: str = Field(default="Scenario", max_length=500, description="what the scenario asks, in words")
    horizon_months: int = Field(
        default=12, gt=0, le=120, description="months of premiums paid from the budgets, months"
    )
    fiscal_year: int | None = Field(
        default=None, ge=2015, le=2100,
        description="the budget year whose money pays (needed for packages priced by the rules)",
        examples=[2026],
    )
    start_month: int = Field(
        default=1, ge=1, le=12,
        description="the first month of premiums, 1..12 (of `fiscal_year`); the horizon runs "
        "`horizon_months` from it", examples=[4],
    )
    packages: list[Package] = Field(min_length=1, description="the BPJS Ketenagakerjaan packages offered")
    group_weights: dict[str, float] = Field(
        default_factory=dict, description="group -> weight of one new worker of that group (default 1)"
    )
    budget: Budget = Field(default_factory=Budget, description="where the money comes from")
    targets: Targets = Field(default_factory=Targets, description="coverage floors and the enrolment target")
    objective: Objective = Field(
        default=Objective.max_protection,
        description="max_protection: most weighted enrolments for the money; min_cost: fewest rupiah",
    )
    integer: bool = Field(default=False, description="whole workers (true) or a continuous plan (false)")
    # filled by desaplan when it reads the scenario: a planner leaves these out
    rules: RulesUsed | None = Field(
        default=None, description="filled by desaplan: the contribution rules the premiums come from"
    )
    group_sectors: dict[str, str] = Field(
        default_factory=dict,
        description="group -> sector (general or transport) for the rules that differ by sector; "
        "desaplan fills it from the rules (transport -> transport), a planner may override a group",
    )
    premium_schedule: list[MonthlyPremium] = Field(
        default_factory=list,
        description="filled by desaplan: each month's premium of every package priced by the rules, "
        "per sector and funding source",
    )

    @field_validator("group_weights")
    @classmethod
    def _weights_not_negative(cls, weights: dict[str, float]) -> dict[str, float]:
        for group, weight in weights.items():
            if not 0 <= weight < MAX_WEIGHT:
                raise ValueError(f"the weight of group '{group}' must be >= 0 and below {MAX_WEIGHT:.0e}")
        return weights

    @model_validator(mode="after")
    def _package_codes_unique(self) -> Scenario:
        codes = [p.code for p in self.packages]
        if len(set(codes)) != len(codes):
            raise ValueError("package codes must be unique")
        return self

    @model_validator(mode="after")
    def _year_for_rules(self) -> Scenario:
        if self.fiscal_year is None and any(p.from_rules for p in self.packages):
            raise ValueError("fiscal_year is required when a package takes its premium from the "
                             "contribution rules (a package without monthly_premium_idr)")
        return self

    def months(self) -> list[str]:
        """The plan's months as YYYY-MM, from `start_month` of `fiscal_year` (none without a year)."""
        if self.fiscal_year is None:
            return []
        first = self.fiscal_year * 12 + self.start_month - 1
        return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, first + self.horizon_months)]

    def annual_cost_idr(self, package: Package) -> float:
        """c[p] = monthly premium x horizon (a typed premium: the same for every group and source)."""
        if package.monthly_premium_idr is None:
            raise ValueError(f"package {package.code} takes its premiums from the rules: use cost_idr")
        return package.monthly_premium_idr * self.horizon_months

    def cost_idr(self, package: Package, sector: str, source: FundingSource) -> float:
        """The premiums of one worker over the horizon: the typed premium x horizon, or the sum of
        the rules' premiums of each month for the worker's sector and the paying source."""
        if package.monthly_premium_idr is not None:
            return package.monthly_premium_idr * self.horizon_months
        months = [p for p in self.premium_schedule
                  if p.package == package.code and p.sector == sector and p.source == source]
        if len(months) != self.horizon_months:
            raise ValueError(f"package {package.code}: the premiums of {self.horizon_months} months "
                             f"are not resolved from the rules (found {len(months)})")
        return float(sum(p.premium_idr for p in months))

    def weight(self, group: str) -> float:
        return self.group_weights.get(group, 1.0)


class IntegerMethod(StrEnum):
    round = "round"  # the LP, rounded down and repaired to a whole-number plan
    mip = "mip"  # HiGHS branch and bound under the time limit


class SolveOptions(BaseModel):
    time_limit_s: float = Field(default=60.0, gt=0)
    gap_rel: float = Field(default=1e-6, ge=0)  # MIP relative gap
    threads: int | None = Field(default=None, ge=1)
    integer_method: IntegerMethod = IntegerMethod.round
    workers: int = Field(default=1, ge=1)  # processes for independent blocks
    tie_break: bool = True  # second pass: same objective, fewest rupiah
    # a block linked by one pool and at least this many villages is solved by pricing the pool
    price_pool_min_villages: int = Field(default=2_000, ge=1)
    feasibility_tolerance: float = Field(default=1e-6, gt=0)  # for our own plan check


class Problem(BaseModel):
    """What `solver.solve` takes: a village table and a scenario that fits it."""

    table: VillageTable
    scenario: Scenario
