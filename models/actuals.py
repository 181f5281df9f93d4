"""Plan against actual: what was enrolled, per village and month, and how it compares with a plan.

Months are months of the plan's horizon: month 1 is the plan's first month, `through_month` the
last month the actuals cover. A worker enrolled in month m has had its premiums paid for months
m..through_month and stays funded for the months after it, to the end of the horizon.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# the group or package of a count that the report does not give
NOT_REPORTED = ""


class ActualsRow(BaseModel):
    """One row of the report: new enrolments of one village in one month."""

    model_config = ConfigDict(allow_inf_nan=False)

    village_code: str  # dotted Kemendagri code
    month: int = Field(ge=1, le=120)  # month of the plan's horizon, 1 = its first
    # group -> package -> new enrolments; NOT_REPORTED ("") where the report does not say
    enrollments: dict[str, dict[str, int]]
    row: int | None = None  # the file's row (header = row 1)

    @property
    def total(self) -> int:
        return sum(n for packages in self.enrollments.values() for n in packages.values())


class Actuals(BaseModel):
    """A validated actuals report, against one plan's villages, groups and packages."""

    source: str | None = None
    through_month: int = Field(ge=1, le=120)  # months of the horizon the report covers
    start: str | None = None  # the plan's first month as the report dated it, e.g. "2026-01"
    rows: list[ActualsRow]

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)


class VillageActual(BaseModel):
    """One village: its plan, what it enrolled, and its money for the year."""

    village_code: str
    village_name: str
    kecamatan: str
    kabupaten: str
    planned: float  # new enrolments of the plan, whole horizon
    expected_to_date: float  # planned x through_month / horizon_months
    actual: int  # new enrolments reported through through_month
    planned_by_group: dict[str, float] = Field(default_factory=dict)  # group -> new enrolments planned
    actual_by_group: dict[str, int]  # NOT_REPORTED: counts without a group
    achievement: float | None  # actual / planned (None: nothing planned)
    pace: float | None  # actual / expected_to_date (None: nothing expected)
    behind: bool  # planned > 0 and actual < expected_to_date
    gap_to_date: float  # max(0, expected_to_date - actual)
    spent_dana_desa_idr: float
    spent_add_idr: float
    spent_apbd_idr: float
    committed_idr: float  # the actual enrolments' premiums for the months left
    budget_dana_desa_idr: float  # s[v] x dana desa: the year's cap
    budget_add_idr: float
    free_dana_desa_idr: float  # budget - spent - committed: for new enrolments in the months left
    free_add_idr: float


class KecamatanActual(BaseModel):
    kecamatan: str
    kabupaten: str
    villages: int
    villages_behind: int
    planned: float
    expected_to_date: float
    actual: int
    achievement: float | None
    pace: float | None
    spent_idr: float
    committed_idr: float


class SourceMoney(BaseModel):
    """One source of money (dana desa, ADD, or one kabupaten's APBD pool) over the year."""

    source: str  # "dana_desa", "add" or "apbd_pool"
    kabupaten: str | None = None  # the pool's kabupaten ("" for one pool of the whole table)
    budget_idr: float  # the year's cap (or pool)
    planned_idr: float  # what the plan spends from it over the horizon
    spent_idr: float  # premiums already paid through through_month
    left_idr: float  # budget - spent
    committed_idr: float  # the actual enrolments' premiums for the months left
    free_idr: float  # left - committed: what new enrolments may still use (< 0: overcommitted)


class ActualsTotals(BaseModel):
    villages: int
    villages_behind: int
    planned: float
    expected_to_date: float
    actual: int
    achievement: float | None
    pace: float | None
    spent_idr: float
    committed_idr: float
    free_idr: float


class ActualsComparison(BaseModel):
    """Plan against actual through `through_month` of `horizon_months`."""

    scenario_name: str
    through_month: int
    horizon_months: int
    months_remaining: int
    start: str | None = None
    groups: list[str] = Field(default_factory=list)  # the table's groups, in its order
    totals: ActualsTotals
    villages: list[VillageActual]
    kecamatan: list[KecamatanActual]
    sources: list[SourceMoney]
