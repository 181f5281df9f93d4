"""Planning insights as planner's workbooks: the way out of infeasibility, the next rupiah, the
cost of fairness and a budget-outcome curve, headers and values in the caller's words (`tr`),
laid out by `scenarios.xlsx` (formats, frozen header, totals, print setup) like every workbook."""

from __future__ import annotations

from typing import Any

import pandas as pd

from models import Curve, Plan
from scenarios.insights_io import (
    curve_frame,
    kecamatan_marginals,
    pool_marginals,
    pool_year_marginals,
    remedy_frame,
    shortfall_frame,
    top_villages,
    village_marginals,
    village_year_marginals,
)
from scenarios.labels import (
    FLOOR_FAMILIES,
    LEVER_NAMES,
    MARGINAL_SOURCES,
    MONEY_FOR,
    POINT_KINDS,
    REMEDY_LEVERS,
    SATURATION_REASONS,
    STATUS_NAMES,
    Translate,
    column_label,
    english,
    group_name,
    words,
    yes_no,
)
from scenarios.xlsx import Sheet, items_sheet, labelled_sheet, sheets_to_xlsx

_SHARE_LEVERS = ("dana_desa_share", "add_share", "min_coverage")


def _lever_kind(curve: Curve) -> str:
    return "share" if curve.lever.kind.value in _SHARE_LEVERS else "rupiah"


def curve_summary_rows(curve: Curve, tr: Translate = english) -> list[tuple[str, Any, str]]:
    """The curve's summary as (label, value, kind) rows in `tr`'s words."""
    lever = _lever_kind(curve)
    reason = curve.saturation_reason
    return [
        (tr("Lever"), tr(LEVER_NAMES.get(curve.lever.kind.value, curve.lever.kind.value)), "text"),
        (column_label("kabupaten", tr), curve.lever.kabupaten or "", "text"),
        (column_label("package", tr), curve.lever.package or "", "text"),
        (column_label("objective", tr), curve.objective_name, "text"),
        (tr("Whole workers"), yes_no(curve.integer, tr), "text"),
        (tr("Exact breakpoints"), yes_no(curve.exact, tr), "text"),
        (tr("Breakpoints"), len(curve.breakpoints), "count"),
        (tr("A plan exists from"), curve.feasible_from, lever),
        (tr("A plan exists up to"), curve.feasible_up_to, lever),
        (tr("More buys nothing from"), curve.saturated_from, lever),
        (tr("Why"), tr(SATURATION_REASONS[reason]) if reason in SATURATION_REASONS else reason or "", "text"),
        (tr("Plans solved"), curve.lp_solves, "count"),
        (tr("Seconds"), round(curve.seconds, 3), "decimal"),
        (tr("Note"), curve.message or "", "text"),
    ]


def curve_sheets(curve: Curve, tr: Translate = english, title: str = "") -> list[Sheet]:
    """The curve for people: its points, its breakpoints and its summary, in `tr`'s words."""
    frame = curve_frame(curve)
    frame["kind"] = words(frame["kind"], POINT_KINDS, tr)
    frame["status"] = words(frame["status"], STATUS_NAMES, tr)
    frame["check_ok"] = [yes_no(v, tr) for v in frame["check_ok"]]
    lever = _lever_kind(curve)

    def label(column: str) -> str:
        return column_label(column, tr)

    kinds = {"lever_value": lever, "objective": "decimal", "slope_left": "decimal", "slope_right": "decimal"}
    breakpoints = pd.DataFrame({"lever_value": pd.Series(curve.breakpoints, dtype=float)})
    return [
        labelled_sheet(tr("Curve"), frame, label, kinds=kinds, title=title),
        labelled_sheet(tr("Breakpoints"), breakpoints, label, kinds={"lever_value": lever}, title=title),
        items_sheet(tr("Summary"), curve_summary_rows(curve, tr), [tr("Item"), tr("Value")], title),
    ]


def curve_xlsx_bytes(curve: Curve, tr: Translate = english, title: str = "") -> bytes:
    return sheets_to_xlsx(curve_sheets(curve, tr, title))


_REMEDY_KINDS = {
    "apbd_pool": "rupiah",
    "dana_desa_share": "fine_share",
    "add_share": "fine_share",
    "min_coverage": "fine_share",
    "group_min_coverage": "fine_share",
    "min_new_enrollments": "count",
}
_SHORTFALL_SUMS = ("workers_needed", "cost_idr", "own_budget_idr", "shortfall_idr")


def infeasibility_sheets(
    plan: Plan, tr: Translate = english, remedy_texts: list[str] | None = None, title: str = ""
) -> list[Sheet]:
    """Every short village (with their totals) and every remedy, in `tr`'s words; `remedy_texts`:
    each remedy said in the language (the app's words), else the solver's message."""

    def label(column: str) -> str:
        return column_label(column, tr)

    remedies = remedy_frame(plan)
    # current and needed: rupiah for the pool, shares for a share or a floor, workers for a target
    each = [_REMEDY_KINDS.get(str(lever), "decimal") for lever in remedies["lever"]]
    remedies["lever"] = words(remedies["lever"], REMEDY_LEVERS, tr)
    remedies["group"] = [group_name(g, tr) if isinstance(g, str) and g else "" for g in remedies["group"]]
    remedies["money_for"] = words(remedies["money_for"], MONEY_FOR, tr)
    remedies["exact"] = [yes_no(v, tr) for v in remedies["exact"]]
    if remedy_texts is not None and len(remedy_texts) == len(remedies):
        remedies["message"] = remedy_texts
    kinds = {"current": "decimal", "needed": "decimal", "needed_with_others_met": "rupiah", "year": "number"}
    if "fiscal_year" in remedies.columns:
        kinds["fiscal_year"] = "number"
    return [
        labelled_sheet(
            tr("Short villages"),
            shortfall_frame(plan),
            label,
            total=tr("Total"),
            sums=_SHORTFALL_SUMS,
            kinds={"year": "number"},
            title=title,
        ),
        labelled_sheet(
            tr("Remedies"),
            remedies,
            label,
            kinds=kinds,
            cell_kinds={"current": each, "needed": each} if len(remedies) else {},
            title=title,
        ),
    ]


def infeasibility_xlsx_bytes(
    plan: Plan, tr: Translate = english, remedy_texts: list[str] | None = None, title: str = ""
) -> bytes:
    """Every short village and every remedy, one sheet each."""
    return sheets_to_xlsx(infeasibility_sheets(plan, tr, remedy_texts, title))


_MARGINAL_KINDS = {
    "marginal_value_per_million": "decimal",
    "marginal_enrollments_per_million": "decimal",
    "best_value_per_million": "decimal",
    "mean_value_per_million": "decimal",
    "value_of_a_million_each": "decimal",
    "enrollments_of_a_million_each": "decimal",
    "marginal_value_per_billion": "decimal",
    "marginal_enrollments_per_billion": "decimal",
    "plus_billion_objective": "decimal",
    "plus_billion_gain": "decimal",
    "plus_billion_value": "decimal",
    "plus_billion_enrollments": "fraction",
    "year": "number",
    "fiscal_year": "number",
}


def marginals_sheets(plan: Plan, top: int = 20, tr: Translate = english, title: str = "") -> list[Sheet]:
    """The next rupiah for people: the top villages, kecamatan, pools, every village (and a
    multi-year plan's years), headers in `tr`'s words, totals where a sum means something."""

    def label(column: str) -> str:
        return column_label(column, tr)

    def sources(frame: pd.DataFrame) -> pd.DataFrame:
        frame["source"] = words(frame["source"], MARGINAL_SOURCES, tr)
        return frame

    # (sheet, table, the columns summed in its totals row; none: no totals row)
    tables: list[tuple[str, pd.DataFrame, tuple[str, ...]]] = [
        (tr("Where Rp1 million does most"), sources(top_villages(plan, top)), ()),
        (
            tr("Kecamatan"),
            kecamatan_marginals(plan),
            ("villages", "villages_where_money_helps", "new_enrollments"),
        ),
        (tr("APBD pools"), sources(pool_marginals(plan)), ("pool_idr", "spent_idr")),
        (tr("Villages"), sources(village_marginals(plan)), ("new_enrollments", "spend_total_idr")),
    ]
    if plan.village_years:
        by_year = ("new_enrollments", "funded", "spend_dana_desa_idr", "spend_add_idr", "spend_apbd_idr")
        tables.append((tr("Villages by year"), village_year_marginals(plan), by_year))
        tables.append((tr("APBD pools by year"), pool_year_marginals(plan), ("pool_idr", "spent_idr")))
    return [
        labelled_sheet(
            name,
            frame,
            label,
            total=tr("Total") if sums else None,
            sums=sums,
            kinds=_MARGINAL_KINDS,
            title=title,
        )
        for name, frame, sums in tables
    ]


def marginals_xlsx_bytes(plan: Plan, top: int = 20, tr: Translate = english, title: str = "") -> bytes:
    return sheets_to_xlsx(marginals_sheets(plan, top, tr, title))


_FAIRNESS_SUMS = (
    "new_enrollments_baseline",
    "new_enrollments",
    "new_enrollments_delta",
    *(
        f"{c}{s}"
        for c in ("spend_dana_desa_idr", "spend_add_idr", "spend_apbd_idr", "spend_total_idr")
        for s in ("_baseline", "", "_delta")
    ),
)


def fairness_sheets(
    summary: pd.DataFrame, villages: dict[str, pd.DataFrame], tr: Translate = english, title: str = ""
) -> list[Sheet]:
    """The cost of each floor, then per floor family the villages (the plan without the floor
    as the baseline), in `tr`'s words."""

    def label(column: str) -> str:
        return column_label(column, tr)

    summary = summary.copy()
    if len(summary):
        summary["floor"] = words(summary["floor"], FLOOR_FAMILIES, tr)
        summary["status"] = words(summary["status"], STATUS_NAMES, tr)
    kinds = {c: "decimal" for c in ("objective_with", "objective_without", "objective_given_up")}
    sheets = [labelled_sheet(tr("Cost of each floor"), summary, label, kinds=kinds, title=title)]
    for family, frame in villages.items():
        name = tr(FLOOR_FAMILIES.get(family, family))
        shown = frame.drop(columns=["plan"], errors="ignore")
        sheets.append(
            labelled_sheet(
                name[:31],
                shown,
                label,
                total=tr("Total"),
                sums=[c for c in _FAIRNESS_SUMS if c in shown.columns],
                title=f"{title} {name}".strip(),
            )
        )
    return sheets


def fairness_xlsx_bytes(
    summary: pd.DataFrame, villages: dict[str, pd.DataFrame], tr: Translate = english, title: str = ""
) -> bytes:
    """The cost of each floor, then per floor family the villages that gain and lose."""
    return sheets_to_xlsx(fairness_sheets(summary, villages, tr, title))
