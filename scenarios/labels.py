"""What the columns of our tables are called for people: English messages, translated by the
caller's `tr` (gettext of the one catalogue in app/locale; identity gives English).

Pure: the column codes stay the contract's in every machine-readable file; the planner's workbooks
show these labels instead."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

Translate = Callable[[str], str]


def N_(message: str) -> str:
    """Marks a message for the catalogue; `tr` translates it where it is shown."""
    return message


def english(message: str) -> str:
    return message


# Group codes of the village table as planners say them; other codes are shown as written.
GROUP_NAMES = {
    "farmers": N_("farmers"),
    "fishers": N_("fishers"),
    "construction": N_("construction workers"),
    "transport": N_("transport workers"),
    "traders": N_("traders"),
    "village_officials": N_("village officials"),
    "rt_rw_heads": N_("RT/RW heads"),
}

STATUS_NAMES = {
    "optimal": N_("optimal"),
    "infeasible": N_("infeasible"),
    "time_limit": N_("best found at the time limit"),
    "error": N_("error"),
}

OBJECTIVE_NAMES = {
    "max_protection": N_("most protection"),
    "min_cost": N_("lowest cost"),
}

# the levers of a budget-outcome curve, its kinds of point, and why more money stops helping (the
# words solver.curves gives, as msgids)
LEVER_NAMES = {
    "dana_desa_share": N_("Share of dana desa"),
    "add_share": N_("Share of ADD"),
    "apbd_pool": N_("APBD pool"),
    "premium": N_("Monthly premium of a package"),
    "min_coverage": N_("Coverage floor"),
}
POINT_KINDS = {
    "sampled": N_("point asked for"),
    "breakpoint": N_("breakpoint"),
    "feasible_from": N_("a plan exists from here"),
    "saturated_from": N_("more buys nothing from here"),
}
SATURATION_REASONS = {
    "a min_cost plan buys only what its floors and target ask: once they are met, more money "
    "changes nothing": N_(
        "a lowest-cost plan buys only what its floors and target ask: once they "
        "are met, more money changes nothing"
    ),
    "every uninsured worker is enrolled": N_("every uninsured worker is enrolled"),
    "the villages with uninsured workers left get no more money from this lever: the other caps bind": N_(
        "the villages with uninsured workers left get no more money from this lever: the other caps bind"
    ),
}
# the acceptance rules a comparison may carry (models.RuleKind)
RULE_NAMES = {
    "no_village_loses_enrollments": N_("No village loses enrolments"),
    "min_village_coverage": N_("Every village at least %(value)s coverage"),
    "max_spend_idr": N_("Spend at most %(value)s"),
    "objective_not_lower": N_("The objective not worse than the baseline's"),
}

# the floor families solver.fairness drops one at a time
FLOOR_FAMILIES = {
    "coverage floor": N_("coverage floor"),
    "group floors": N_("group floors"),
    "table-wide target": N_("table-wide target"),
}

COLUMNS = {
    "plan": N_("Plan"),
    "status": N_("Status"),
    "objective": N_("Objective"),
    "village_code": N_("Village code"),
    "village_name": N_("Village name"),
    "kecamatan": N_("Kecamatan"),
    "kabupaten": N_("Kabupaten"),
    "villages": N_("Villages"),
    "new_enrollments": N_("New enrolments"),
    "funded": N_("Funded workers"),
    "spend_dana_desa_idr": N_("From dana desa (Rp)"),
    "spend_add_idr": N_("From ADD (Rp)"),
    "spend_apbd_idr": N_("From the APBD pool (Rp)"),
    "spend_total_idr": N_("Spend, total (Rp)"),
    "workers_total": N_("Informal workers"),
    "workers_enrolled_before": N_("Enrolled before"),
    "coverage_before": N_("Coverage before"),
    "coverage_after": N_("Coverage after"),
    "marginal_value_per_million": N_("Value of Rp1 million more"),
    "marginal_enrollments_per_million": N_("New enrolments per Rp1 million more"),
    "marginal_range_idr": N_("That rate holds for (Rp)"),
    "package": N_("Package"),
    "new_workers": N_("New workers"),
    "monthly_premium_idr": N_("Monthly premium (Rp)"),
    "monthly_contribution_idr": N_("Monthly contribution (Rp)"),
    "horizon_contribution_idr": N_("Contribution over the horizon (Rp)"),
    "item": N_("Item"),
    "value": N_("Value"),
    "source": N_("Paid from"),
    "sector": N_("Sector"),
    "month": N_("Month"),
    # the way out of infeasibility
    "workers_needed": N_("Workers the floors need"),
    "cost_idr": N_("Their cost (Rp)"),
    "own_budget_idr": N_("Own money (Rp)"),
    "shortfall_idr": N_("Shortfall (Rp)"),
    "year": N_("Year"),
    "fiscal_year": N_("Fiscal year"),
    "lever": N_("What to change"),
    "group": N_("Group"),
    "current": N_("Now"),
    "needed": N_("Needed"),
    "needed_with_others_met": N_("Needed, the other shortfalls met too"),
    "money_for": N_("The money is for"),
    "exact": N_("Least change, exact"),
    "message": N_("In words"),
    # the next rupiah
    "villages_where_money_helps": N_("Villages where more money helps"),
    "best_value_per_million": N_("Best value of Rp1 million more"),
    "mean_value_per_million": N_("Mean value of Rp1 million more"),
    "value_of_a_million_each": N_("Value of Rp1 million more in every village"),
    "enrollments_of_a_million_each": N_("New enrolments of Rp1 million more in every village"),
    "best_village_code": N_("Best village: code"),
    "best_village_name": N_("Best village: name"),
    "pool_idr": N_("APBD pool (Rp)"),
    "spent_idr": N_("Spent (Rp)"),
    "marginal_value_per_billion": N_("Value of Rp1 billion more"),
    "marginal_enrollments_per_billion": N_("New enrolments per Rp1 billion more"),
    "plus_billion_objective": N_("Value with Rp1 billion more"),
    "plus_billion_gain": N_("Value gained with Rp1 billion more"),
    "plus_billion_enrollments": N_("New enrolments with Rp1 billion more"),
    "plus_billion_value": N_("Value gained with Rp1 billion more (earlier name)"),
    # the cost of fairness
    "floor": N_("Floor"),
    "objective_with": N_("Value with the floor"),
    "objective_without": N_("Value without the floor"),
    "objective_given_up": N_("Value given up for the floor"),
    "enrollments_with": N_("New enrolments with the floor"),
    "enrollments_without": N_("New enrolments without the floor"),
    "enrollments_given_up": N_("New enrolments given up for the floor"),
    "spend_with_idr": N_("Spend with the floor (Rp)"),
    "spend_without_idr": N_("Spend without the floor (Rp)"),
    "rupiah_moved_idr": N_("Rupiah moved between villages (Rp)"),
    "villages_gaining": N_("Villages that gain"),
    "villages_losing": N_("Villages that lose"),
    # a budget-outcome curve
    "lever_value": N_("Value of the lever"),
    "kind": N_("Point"),
    "slope_left": N_("Slope on the left"),
    "slope_right": N_("Slope on the right"),
    "check_ok": N_("Plan checked"),
    # a village table, as the contract names its columns (the import template, the download)
    "dana_desa_idr": N_("Dana desa (Rp)"),
    "add_idr": N_("ADD (Rp)"),
    "priority": N_("Priority"),
    "max_share": N_("Max share"),
}

# who pays a premium, and the sectors of the contribution rules, as planners say them
# ("dana desa" is the same in both languages; the catalogue has it for the summary's remedies)
SOURCE_NAMES = {"dana_desa": "dana desa", "add": N_("ADD"), "apbd_pool": N_("APBD pool")}
SECTOR_NAMES = {"general": N_("outside transport"), "transport": N_("transport sector")}
EVERY_SECTOR = N_("every sector")


def sector_words(sectors: Iterable[str], tr: Translate = english) -> str:
    """Sectors as planners say them; every sector of the rules as two words."""
    sectors = list(sectors)
    if set(sectors) >= set(SECTOR_NAMES):
        return tr(EVERY_SECTOR)
    return ", ".join(tr(SECTOR_NAMES.get(s, s)) for s in sectors)


_SUFFIXES = {"_baseline": N_("%(column)s, baseline"), "_delta": N_("%(column)s, change")}
# a multi-year plan's columns per year: `funded_2027`, `spend_add_idr_year2`
_YEAR = re.compile(
    r"(?P<column>new_enrollments|funded|spend_dana_desa_idr|spend_add_idr|"
    r"spend_apbd_idr)_(?P<year>\d{4}|year\d+)"
)
_COLUMN_IN_FISCAL_YEAR = N_("%(column)s in %(year)s")
_COLUMN_IN_YEAR = N_("%(column)s in year %(year)s")


def group_name(group: str, tr: Translate = english) -> str:
    return tr(GROUP_NAMES[group]) if group in GROUP_NAMES else group.replace("_", " ")


def column_label(
    column: str, tr: Translate = english, groups: Iterable[str] = (), packages: Iterable[str] = ()
) -> str:
    """The header a person reads for a column code: `new_fishers_JKK-JKM` -> `nelayan JKK-JKM`."""
    if column in COLUMNS:
        return tr(COLUMNS[column])
    year = _YEAR.fullmatch(column)
    if year is not None:
        name = year["year"]
        pattern = _COLUMN_IN_YEAR if name.startswith("year") else _COLUMN_IN_FISCAL_YEAR
        return tr(pattern) % {"column": tr(COLUMNS[year["column"]]), "year": name.removeprefix("year")}
    for suffix, pattern in _SUFFIXES.items():
        if column.endswith(suffix):
            return tr(pattern) % {"column": column_label(column.removesuffix(suffix), tr, groups, packages)}
    for group in groups:
        for package in packages:
            if column == f"new_{group}_{package}":
                return f"{group_name(group, tr)} {package}"
    return column


# what a remedy changes, and what the APBD money of a remedy is for
REMEDY_LEVERS = {
    **LEVER_NAMES,
    "min_coverage": N_("Coverage floor per village"),
    "group_min_coverage": N_("Coverage floor of a group"),
    "min_new_enrollments": N_("New enrolments, at least"),
}
MONEY_FOR = {
    "floors": N_("the floors"),
    "target": N_("the target"),
    "floors_and_target": N_("the floors and the target"),
}
MARGINAL_SOURCES = {
    "village cap (dana desa + ADD)": N_("the village's own cap (dana desa + ADD)"),
    "APBD pool": N_("APBD pool"),
}


def yes_no(value: object, tr: Translate = english) -> str:
    """True/False as a word ("" for unknown)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return tr("yes") if value else tr("no")


def words(values: Iterable[Any], names: dict[str, str], tr: Translate = english) -> list[Any]:
    """Codes as people say them (a code without a name, and an empty cell, as they are)."""
    return [tr(names[v]) if isinstance(v, str) and v in names else v for v in values]
