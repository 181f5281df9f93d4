"""Planning insights as tables and a chart: curves, the next rupiah, shortfalls and remedies.

Pure: plans and curves in, frames and bytes out (the app writes them to files or answers).
"""

from __future__ import annotations

import io

import pandas as pd

from models import Curve, Plan
from scenarios.safe_cells import neutralise_frame

CURVE_COLUMNS = [
    "lever_value",
    "kind",
    "status",
    "objective",
    "new_enrollments",
    "coverage_after",
    "spend_dana_desa_idr",
    "spend_add_idr",
    "spend_apbd_idr",
    "spend_total_idr",
    "slope_left",
    "slope_right",
    "marginal_value_per_million",
    "check_ok",
]


def curve_frame(curve: Curve) -> pd.DataFrame:
    rows = [p.model_dump() for p in curve.points]
    return pd.DataFrame(rows, columns=CURVE_COLUMNS)


def frame_csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as the contract's comma CSV, every text cell safe to open in a spreadsheet."""
    return neutralise_frame(frame).to_csv(index=False).encode("utf-8")


def curve_csv_bytes(curve: Curve) -> bytes:
    return frame_csv_bytes(curve_frame(curve))


def curve_png_bytes(curve: Curve, title: str = "") -> bytes:
    """The objective and new enrolments against the lever, for a slide."""
    import matplotlib

    matplotlib.use("Agg")  # no display: files only
    import matplotlib.pyplot as plt

    frame = curve_frame(curve)
    billions = curve.lever.kind.value in ("apbd_pool",)
    unit = 1e9 if billions else 1.0
    frame["lever_value"] = frame["lever_value"] / unit
    solved = frame[frame["status"] == "optimal"]
    fig, ax = plt.subplots(figsize=(9, 5), dpi=120)
    try:
        ax.plot(
            solved["lever_value"],
            solved["objective"],
            "-",
            color="#1f5f8b",
            lw=2,
            label="objective (" + curve.objective_name + ")",
        )
        asked = solved[solved["kind"] != "breakpoint"]
        ax.plot(asked["lever_value"], asked["objective"], "o", color="#1f5f8b", ms=4)
        kinks = solved[solved["kind"] == "breakpoint"]
        if len(kinks):
            ax.plot(
                kinks["lever_value"],
                kinks["objective"],
                ".",
                color="#999999",
                ms=3,
                label=f"breakpoints ({len(kinks)})",
            )
        if curve.feasible_from is not None:
            ax.axvline(
                curve.feasible_from / unit,
                color="#c0392b",
                ls="--",
                lw=1,
                label=f"a plan exists from {curve.feasible_from / unit:,.4g}",
            )
        if curve.feasible_up_to is not None:
            ax.axvline(
                curve.feasible_up_to / unit,
                color="#c0392b",
                ls="--",
                lw=1,
                label=f"a plan exists up to {curve.feasible_up_to / unit:,.4g}",
            )
        if curve.saturated_from is not None:
            ax.axvline(
                curve.saturated_from / unit,
                color="#27ae60",
                ls=":",
                lw=1.5,
                label=f"more buys nothing from {curve.saturated_from / unit:,.4g}",
            )
        ax.set_xlabel(
            curve.lever.label().replace("(Rp)", "(Rp billion)") if billions else curve.lever.label()
        )
        ax.set_ylabel("objective")
        with_new = asked.dropna(subset=["new_enrollments"])
        if len(with_new):
            right = ax.twinx()
            right.plot(
                with_new["lever_value"],
                with_new["new_enrollments"],
                "s--",
                color="#e67e22",
                ms=3,
                lw=1,
                label="new enrolments",
            )
            right.set_ylabel("new enrolments")
            right.legend(loc="lower right", fontsize=8)
        ax.legend(loc="upper left", fontsize=8)
        ax.set_title(title or f"Outcome against the {curve.lever.label()}", fontsize=10)
        ax.grid(alpha=0.3)
        buffer = io.BytesIO()
        fig.tight_layout()
        fig.savefig(buffer, format="png")
    finally:
        plt.close(fig)
    return buffer.getvalue()


def shortfall_frame(plan: Plan) -> pd.DataFrame:
    columns = [
        "village_code",
        "village_name",
        "kecamatan",
        "kabupaten",
        "workers_needed",
        "cost_idr",
        "own_budget_idr",
        "shortfall_idr",
    ]
    if any(s.year is not None for s in plan.short_villages):  # a multi-year plan: their year
        columns.append("year")
    return pd.DataFrame([s.model_dump() for s in plan.short_villages], columns=columns)


def remedy_frame(plan: Plan) -> pd.DataFrame:
    columns = [
        "lever",
        "kabupaten",
        "group",
        "current",
        "needed",
        "needed_with_others_met",
        "money_for",
        "exact",
        "message",
    ]
    if any(r.year is not None for r in plan.remedies):  # a multi-year plan's
        columns[3:3] = ["year", "fiscal_year"]
    return pd.DataFrame([r.model_dump() for r in plan.remedies], columns=columns)


# ------------------------------------------------------------------ the next rupiah

_VILLAGE_MARGINALS = [
    "village_code",
    "village_name",
    "kecamatan",
    "kabupaten",
    "new_enrollments",
    "coverage_after",
    "spend_total_idr",
    "marginal_value_per_million",
    "marginal_enrollments_per_million",
    "marginal_range_idr",
]


def village_marginals(plan: Plan) -> pd.DataFrame:
    """Per village: what Rp1 million more of its own cap (dana desa + ADD) buys, over which range."""
    frame = pd.DataFrame(
        [{c: getattr(v, c) for c in _VILLAGE_MARGINALS} for v in plan.villages], columns=_VILLAGE_MARGINALS
    )
    frame.insert(4, "source", "village cap (dana desa + ADD)")
    return frame


def top_villages(plan: Plan, top: int = 20) -> pd.DataFrame:
    """The villages where one more million does most (objective, then enrolments, then code)."""
    frame = village_marginals(plan)
    frame = frame[frame["marginal_value_per_million"].fillna(0) > 0]
    return (
        frame.sort_values(
            ["marginal_value_per_million", "marginal_enrollments_per_million", "village_code"],
            ascending=[False, False, True],
            kind="stable",
        )
        .head(top)
        .reset_index(drop=True)
    )


def kecamatan_marginals(plan: Plan) -> pd.DataFrame:
    """Per kecamatan: how many villages new money helps, the best and mean rates, and what Rp1
    million more in every village of the kecamatan buys together (within each village's range)."""
    frame = village_marginals(plan)
    frame["helps"] = frame["marginal_value_per_million"].fillna(0) > 0
    grouped = frame.groupby(["kabupaten", "kecamatan"], sort=True)
    out = grouped.agg(
        villages=("village_code", "count"),
        villages_where_money_helps=("helps", "sum"),
        best_value_per_million=("marginal_value_per_million", "max"),
        mean_value_per_million=("marginal_value_per_million", "mean"),
        value_of_a_million_each=("marginal_value_per_million", "sum"),
        enrollments_of_a_million_each=("marginal_enrollments_per_million", "sum"),
        new_enrollments=("new_enrollments", "sum"),
    ).reset_index()
    best = (
        frame.sort_values(
            ["marginal_value_per_million", "village_code"], ascending=[False, True], kind="stable"
        )
        .groupby(["kabupaten", "kecamatan"], sort=True)
        .head(1)[["kabupaten", "kecamatan", "village_code", "village_name"]]
    )
    best = best.rename(columns={"village_code": "best_village_code", "village_name": "best_village_name"})
    out = out.merge(best, on=["kabupaten", "kecamatan"], how="left")
    return out.sort_values(
        ["best_value_per_million", "kabupaten", "kecamatan"], ascending=[False, True, True], kind="stable"
    ).reset_index(drop=True)


def pool_marginals(plan: Plan) -> pd.DataFrame:
    columns = [
        "kabupaten",
        "pool_idr",
        "spent_idr",
        "marginal_value_per_million",
        "marginal_value_per_billion",
        "marginal_enrollments_per_billion",
        "marginal_range_idr",
        "plus_billion_objective",
        "plus_billion_gain",
        "plus_billion_enrollments",
        # the gain again, under its earlier name (files read by older tools)
        "plus_billion_value",
    ]
    frame = pd.DataFrame([p.model_dump() for p in plan.pools], columns=columns)
    frame.insert(1, "source", "APBD pool")
    return frame


_YEAR_MARGINALS = ["marginal_value_per_million", "marginal_enrollments_per_million", "marginal_range_idr"]
_VILLAGE_YEAR_MARGINALS = [
    "village_code",
    "year",
    "fiscal_year",
    "new_enrollments",
    "funded",
    "spend_dana_desa_idr",
    "spend_add_idr",
    "spend_apbd_idr",
    *_YEAR_MARGINALS,
]
_POOL_YEAR_MARGINALS = ["kabupaten", "year", "fiscal_year", "pool_idr", "spent_idr", *_YEAR_MARGINALS]


def village_year_marginals(plan: Plan) -> pd.DataFrame:
    """A multi-year plan, per village and year: what Rp1 million more of its own money in that
    year buys, over which range (empty for a one-year plan)."""
    return pd.DataFrame(
        [{c: getattr(v, c) for c in _VILLAGE_YEAR_MARGINALS} for v in plan.village_years],
        columns=_VILLAGE_YEAR_MARGINALS,
    )


def pool_year_marginals(plan: Plan) -> pd.DataFrame:
    """A multi-year plan, per pool and year: what Rp1 million more in it that year buys."""
    return pd.DataFrame(
        [{c: getattr(p, c) for c in _POOL_YEAR_MARGINALS} for p in plan.pool_years],
        columns=_POOL_YEAR_MARGINALS,
    )
