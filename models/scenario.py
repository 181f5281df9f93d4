"""The scenario (contract section 2) and solve options."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

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

    code: str = Field(
        min_length=1, max_length=64, description="the package's code, e.g. JKK-JKM", examples=["JKK-JKM"]
    )
    # at least one rupiah: a premium of 1e-300 would make the value per rupiah infinite
    monthly_premium_idr: float | None = Field(
        default=None,
        ge=1,
        lt=MAX_RUPIAH,
        description="premium per worker and month, in rupiah (at least Rp1); leave it out to take "
        "the premium of each month from the contribution rules (then give `declared_income_idr`)",
        examples=[16800],
    )
    declared_income_idr: float | None = Field(
        default=None,
        gt=0,
        lt=MAX_RUPIAH,
        description="the declared-income tier the rules price this package at (e.g. 1000000, the "
        "lowest); only for a package without `monthly_premium_idr`",
        examples=[1000000],
    )
    value: float = Field(
        default=1.0,
        ge=0,
        lt=MAX_WEIGHT,
        description="protection one enrolment in this package is worth (weight, no unit)",
    )

    @model_validator(mode="after")
    def _premium_or_tier(self) -> Package:
        if self.monthly_premium_idr is None and self.declared_income_idr is None:
            raise ValueError(
                "give monthly_premium_idr, or declared_income_idr to take the premium "
                "from the contribution rules"
            )
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
        default=0,
        ge=0,
        lt=MAX_TOTAL_WORKERS,
        description="new enrolments the whole table must reach, workers",
    )

    @field_validator("group_min_coverage")
    @classmethod
    def _shares_in_range(cls, floors: dict[str, float]) -> dict[str, float]:
        for group, share in floors.items():
            if not 0 <= share <= 1:
                raise ValueError(f"the floor for group '{group}' must be between 0 and 1")
        return floors


MAX_YEARS = 10


def _one_or_list(value: Any) -> Any:
    """One rate for every year, or a list of rates: read as a list either way."""
    return value if isinstance(value, list) else [value]


class MultiYear(BaseModel):
    """Years 1..T of one plan: each year's money grown by a rate (or the pools given per year), the
    floors the same every year or one per year. Year 1 is `fiscal_year` from `start_month`; every
    later year is a whole fiscal year, January to December."""

    model_config = _FINITE

    years: int = Field(
        ge=1, le=MAX_YEARS, description="years of the plan, 1..10 (1: the one-year plan)", examples=[3]
    )
    dana_desa_growth: Annotated[list[float], BeforeValidator(_one_or_list)] = Field(
        default_factory=lambda: [0.0],
        description="yearly growth of every village's dana desa from the table's figure (year 1): "
        'one rate, or one per later year (years - 1 rates), e.g. "5%"',
        examples=["5%"],
    )
    add_growth: Annotated[list[float], BeforeValidator(_one_or_list)] = Field(
        default_factory=lambda: [0.0],
        description="yearly growth of every village's ADD, as `dana_desa_growth`",
    )
    pool_growth: Annotated[list[float], BeforeValidator(_one_or_list)] = Field(
        default_factory=lambda: [0.0],
        description="yearly growth of the APBD pools of `budget`, as "
        "`dana_desa_growth` (unless `apbd_pool_idr` gives them per year)",
    )
    apbd_pool_idr: list[float | dict[str, float]] | None = Field(
        default=None,
        description="the APBD pool of each year (one per year, each a number or an "
        "object from kabupaten to its pool); year 1's replaces `budget.apbd_pool_idr`",
    )
    min_coverage: list[float] | None = Field(
        default=None,
        description="the coverage floor of each year (one per year, 0..1), on the "
        "workers covered by then; without it `targets.min_coverage` holds every year",
    )
    min_new_enrollments: list[float] | None = Field(
        default=None,
        description="new enrolments the table must have reached by each year (one "
        "per year); without it `targets.min_new_enrollments` holds every year",
    )

    @field_validator("dana_desa_growth", "add_growth", "pool_growth")
    @classmethod
    def _rates_in_range(cls, rate: list[float]) -> list[float]:
        for r in rate:
            if not -1 < r <= 10:
                raise ValueError("a growth rate must be above -100% and at most 1000%")
        return rate

    @field_validator("min_coverage")
    @classmethod
    def _floors_in_range(cls, floors: list[float] | None) -> list[float] | None:
        for share in floors or []:
            if not 0 <= share <= 1:
                raise ValueError("every year's coverage floor must be between 0 and 1")
        return floors

    @field_validator("min_new_enrollments")
    @classmethod
    def _targets_in_range(cls, targets: list[float] | None) -> list[float] | None:
        for target in targets or []:
            if not 0 <= target < MAX_TOTAL_WORKERS:
                raise ValueError("every year's target must be >= 0 workers")
        return targets

    @field_validator("apbd_pool_idr")
    @classmethod
    def _pools_in_range(
        cls, pools: list[float | dict[str, float]] | None
    ) -> list[float | dict[str, float]] | None:
        for pool in pools or []:
            Budget._pool_not_negative(pool)
        return pools

    @model_validator(mode="after")
    def _one_per_year(self) -> MultiYear:
        for name in ("dana_desa_growth", "add_growth", "pool_growth"):
            rate = getattr(self, name)
            if len(rate) not in (1, self.years - 1):
                raise ValueError(
                    f"{name}: give one rate, or one per later year ({self.years - 1} "
                    f"for {self.years} years), not {len(rate)}"
                )
        for name in ("apbd_pool_idr", "min_coverage", "min_new_enrollments"):
            values = getattr(self, name)
            if values is not None and len(values) != self.years:
                raise ValueError(f"{name}: give one value per year ({self.years}), not {len(values)}")
        return self

    def growth(self, name: str) -> list[float]:
        """The factor of each year on year 1's money: 1, then compounded by the yearly rates."""
        rate = getattr(self, name)
        rates = rate if len(rate) == self.years - 1 else rate[:1] * (self.years - 1)
        factors = [1.0]
        for r in rates:
            factors.append(factors[-1] * (1.0 + r))
        return factors


class Scenario(BaseModel):
    model_config = _FINITE

    name: str = Field(default="Scenario", max_length=500, description="what the scenario asks, in words")
    horizon_months: int = Field(
        default=12, gt=0, le=120, description="months of premiums paid from the budgets, months"
    )
    fiscal_year: int | None = Field(
        default=None,
        ge=2015,
        le=2100,
        description="the budget year whose money pays (needed for packages priced by the rules)",
        examples=[2026],
    )
    start_month: int = Field(
        default=1,
        ge=1,
        le=12,
        description="the first month of premiums, 1..12 (of `fiscal_year`); the horizon runs "
        "`horizon_months` from it",
        examples=[4],
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
    multi_year: MultiYear | None = Field(
        default=None,
        description="a plan over several years with continuity: every worker enrolled "
        "stays funded in the plan's later years (see the README's multi-year plans)",
    )
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
            raise ValueError(
                "fiscal_year is required when a package takes its premium from the "
                "contribution rules (a package without monthly_premium_idr)"
            )
        return self

    @model_validator(mode="after")
    def _first_year_in_its_fiscal_year(self) -> Scenario:
        if self.multi_year is None or self.multi_year.years == 1:
            return self
        rest_of_year = 13 - self.start_month
        if "horizon_months" not in self.model_fields_set:
            # year 1 of a multi-year plan runs from start_month to December
            self.horizon_months = rest_of_year
        elif self.horizon_months != rest_of_year:
            raise ValueError(
                f"horizon_months: in a multi-year plan year 1 runs from start_month to "
                f"December ({rest_of_year} months), not {self.horizon_months}; "
                f"leave horizon_months out"
            )
        return self

    @property
    def years(self) -> int:
        """Years of the plan: 1 for a one-year plan."""
        return 1 if self.multi_year is None else self.multi_year.years

    def year_months(self) -> list[int]:
        """Months of premiums in each year of the plan: year 1 `horizon_months`, later years 12."""
        return [self.horizon_months] + [12] * (self.years - 1)

    def fiscal_years(self) -> list[int | None]:
        """The fiscal year of each year of the plan (None without `fiscal_year`)."""
        if self.fiscal_year is None:
            return [None] * self.years
        return [self.fiscal_year + t for t in range(self.years)]

    def months(self) -> list[str]:
        """The plan's months as YYYY-MM, from `start_month` of `fiscal_year` (none without a year);
        a multi-year plan's run on to December of its last year."""
        if self.fiscal_year is None:
            return []
        first = self.fiscal_year * 12 + self.start_month - 1
        count = sum(self.year_months())
        return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, first + count)]

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
        months = [
            p
            for p in self.premium_schedule
            if p.package == package.code and p.sector == sector and p.source == source
        ]
        if len(months) != self.horizon_months:
            raise ValueError(
                f"package {package.code}: the premiums of {self.horizon_months} months "
                f"are not resolved from the rules (found {len(months)})"
            )
        return float(sum(p.premium_idr for p in months))

    def weight(self, group: str) -> float:
        return self.group_weights.get(group, 1.0)


class IntegerMethod(StrEnum):
    round = "round"  # the LP, rounded down and repaired to a whole-number plan
    mip = "mip"  # HiGHS branch and bound under the time limit


# seconds of solving (reading, preparing and writing do not count: `solver.context`). The national
# table (83,762 villages, 514 pools) needs about 30-50 s of it on a 2-core machine at load 4-5 with
# two worker processes: five times that, so that a busier machine still reaches the optimum
DEFAULT_TIME_LIMIT_S = 300.0


class SolveOptions(BaseModel):
    time_limit_s: float = Field(default=DEFAULT_TIME_LIMIT_S, gt=0)
    gap_rel: float = Field(default=1e-6, ge=0)  # MIP relative gap
    threads: int | None = Field(default=None, ge=1)
    integer_method: IntegerMethod = IntegerMethod.round
    workers: int = Field(default=1, ge=1)  # processes for independent blocks
    tie_break: bool = True  # second pass: same objective, fewest rupiah
    # a block linked by one pool and at least this many villages is solved by pricing the pool
    price_pool_min_villages: int = Field(default=2_000, ge=1)
    # our own plan check: relative to each row's own scale, above its floor in rupiah or workers
    # (`solver.check`)
    feasibility_tolerance: float = Field(default=1e-12, gt=0)


class Problem(BaseModel):
    """What `solver.solve` takes: a village table and a scenario that fits it."""

    table: VillageTable
    scenario: Scenario
