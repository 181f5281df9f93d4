"""Comparing plans against a baseline: totals, kecamatan and villages, and who gains or loses.

Pure: plans in, frames out. Villages are matched by `village_code`, kecamatan by (kabupaten,
kecamatan); a village one plan lacks counts as no enrolments and no spend there. Coverage is
recomputed from worker counts, so a kecamatan's coverage weighs its villages by their workers.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from models import Plan
from scenarios.excel_id_csv import csv_for_indonesian_excel
from scenarios.labels import N_, STATUS_NAMES, Translate, column_label, english, words
from scenarios.safe_cells import neutralise_frame
from scenarios.xlsx import Sheet, sheets_to_xlsx

# the figures compared; each gets `<metric>_baseline`, `<metric>` and `<metric>_delta`
METRICS = [
    "new_enrollments",
    "spend_dana_desa_idr",
    "spend_add_idr",
    "spend_apbd_idr",
    "spend_total_idr",
    "coverage_after",
]
_SUMMED = [m for m in METRICS if m != "coverage_after"]
_WORKERS = ["workers_enrolled_before", "workers_total"]
_NAMES = ["village_name", "kecamatan", "kabupaten"]
TABLES = ("totals", "kecamatan", "villages", "gainers", "losers")


@dataclass
class PlanComparison:
    baseline: str
    labels: list[str]  # the compared plans, without the baseline
    totals: pd.DataFrame  # one row per plan, the baseline first
    kecamatan: pd.DataFrame  # one row per compared plan and kecamatan
    villages: pd.DataFrame  # one row per compared plan and village
    gainers: pd.DataFrame  # per compared plan, the villages that gain most new enrolments
    losers: pd.DataFrame  # ... and those that lose most

    def table(self, name: str) -> pd.DataFrame:
        if name not in TABLES:
            raise ValueError(f"unknown comparison table '{name}'; one of {', '.join(TABLES)}")
        frame: pd.DataFrame = getattr(self, name)
        return frame


def village_figures(plan: Plan) -> pd.DataFrame:
    columns = ["village_code", *_NAMES, *_SUMMED, *_WORKERS]
    rows = [{c: getattr(v, c) for c in columns} for v in plan.villages]
    return pd.DataFrame(rows, columns=columns)


def _paired(base: pd.DataFrame, other: pd.DataFrame, keys: list[str], label: str) -> pd.DataFrame:
    """Baseline and plan side by side on `keys`, with the deltas."""
    names = [c for c in _NAMES if c not in keys and c in base.columns]
    merged = base.merge(other, on=keys, how="outer", suffixes=("_baseline", ""), sort=False)
    for name in names:  # a village only one plan has keeps its names
        merged[name] = merged[name].fillna(merged.pop(f"{name}_baseline"))
    for column in [*_SUMMED, *_WORKERS]:
        for suffix in ("_baseline", ""):
            merged[column + suffix] = merged[column + suffix].fillna(0.0)
    # a village (or kecamatan) only one side has takes its worker counts from the other side
    for mine, theirs in (("_baseline", ""), ("", "_baseline")):
        has = merged[f"workers_total{mine}"] > 0
        workers = merged[f"workers_total{mine}"].where(has, merged[f"workers_total{theirs}"])
        enrolled = merged[f"workers_enrolled_before{mine}"].where(
            has, merged[f"workers_enrolled_before{theirs}"]
        )
        new = merged[f"new_enrollments{mine}"]
        merged[f"coverage_after{mine}"] = (enrolled + new) / workers.where(workers > 0)
    for metric in METRICS:
        merged[f"{metric}_delta"] = merged[metric] - merged[f"{metric}_baseline"]
    ordered = [f"{m}{s}" for m in METRICS for s in ("_baseline", "", "_delta")]
    merged.insert(0, "plan", label)
    return merged[["plan", *keys, *names, *ordered]]


def _kecamatan(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.groupby(["kabupaten", "kecamatan"], as_index=False, sort=True)[[*_SUMMED, *_WORKERS]].sum()


def _totals_row(label: str, plan: Plan, figures: pd.DataFrame) -> dict[str, Any]:
    sums = figures[[*_SUMMED, *_WORKERS]].sum()
    workers = float(sums["workers_total"])
    return {
        "plan": label,
        "status": plan.status.value,
        "objective": plan.objective,
        "villages": len(figures),
        **{m: float(sums[m]) for m in _SUMMED},
        "coverage_before": float(sums["workers_enrolled_before"]) / workers if workers else None,
        "coverage_after": (
            float(sums["workers_enrolled_before"] + sums["new_enrollments"]) / workers if workers else None
        ),
    }


def compare_plans(
    baseline: tuple[str, Plan], others: list[tuple[str, Plan]], top: int = 10
) -> PlanComparison:
    """`baseline` and `others` are (label, plan) pairs; labels name the plans in every table."""
    base_label, base_plan = baseline
    base = village_figures(base_plan)
    total_rows = [_totals_row(base_label, base_plan, base)]
    kecamatan, villages, gainers, losers = [], [], [], []
    for label, plan in others:
        figures = village_figures(plan)
        total_rows.append(_totals_row(label, plan, figures))
        paired = _paired(base, figures, ["village_code"], label)
        villages.append(paired)
        kecamatan.append(_paired(_kecamatan(base), _kecamatan(figures), ["kabupaten", "kecamatan"], label))
        ranked = paired.sort_values(
            ["new_enrollments_delta", "village_code"], ascending=[False, True], kind="stable"
        )
        gainers.append(ranked[ranked["new_enrollments_delta"] > 0].head(top))
        ranked = paired.sort_values(
            ["new_enrollments_delta", "village_code"], ascending=[True, True], kind="stable"
        )
        losers.append(ranked[ranked["new_enrollments_delta"] < 0].head(top))
    totals = pd.DataFrame(total_rows)
    for metric in [*_SUMMED, "coverage_after"]:
        # a plan without villages (infeasible) has no coverage: its deltas are empty, not an error
        values = pd.to_numeric(totals[metric], errors="coerce").astype(float)
        totals[f"{metric}_delta"] = values - values.iloc[0]
    return PlanComparison(
        baseline=base_label,
        labels=[label for label, _ in others],
        totals=totals,
        kecamatan=pd.concat(kecamatan, ignore_index=True),
        villages=pd.concat(villages, ignore_index=True),
        gainers=pd.concat(gainers, ignore_index=True),
        losers=pd.concat(losers, ignore_index=True),
    )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    def clean(value: Any) -> Any:
        if hasattr(value, "item"):
            value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
        return value

    return [{str(k): clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def comparison_dict(comparison: PlanComparison, villages: bool = True) -> dict[str, Any]:
    """JSON-ready: every table as a list of records (NaN as None)."""
    data: dict[str, Any] = {"baseline": comparison.baseline, "plans": comparison.labels}
    for name in TABLES:
        if name == "villages" and not villages:
            continue
        data[name] = _records(comparison.table(name))
    return data


def comparison_csv_bytes(comparison: PlanComparison, table: str = "villages") -> bytes:
    return neutralise_frame(comparison.table(table)).to_csv(index=False).encode("utf-8")


def comparison_xlsx_bytes(comparison: PlanComparison) -> bytes:
    """One sheet per table."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name in TABLES:
            neutralise_frame(comparison.table(name)).to_excel(writer, sheet_name=name, index=False)
    return buffer.getvalue()


_SHEET_NAMES = {
    "totals": N_("Totals"),
    "kecamatan": N_("Kecamatan"),
    "villages": N_("Villages"),
    "gainers": N_("Villages that gain most"),
    "losers": N_("Villages that lose most"),
}


def comparison_sheets(comparison: PlanComparison, tr: Translate = english) -> list[Sheet]:
    """The comparison for people: a sheet per table, headers in `tr`'s words, rupiah, counts and
    shares formatted, header frozen, filtered and repeated on every printed page."""
    title = f"{tr('Comparison')}: {tr('Baseline')} {comparison.baseline}"
    sheets = []
    for name in TABLES:
        frame = comparison.table(name)
        if "status" in frame.columns:  # a plan's status in words
            frame = frame.assign(status=words(frame["status"], STATUS_NAMES, tr))
        headers = [column_label(str(c), tr) for c in frame.columns]
        kinds = {"objective": "decimal"} if "objective" in frame.columns else {}
        sheets.append(Sheet(tr(_SHEET_NAMES[name]), frame, headers=headers, kinds=kinds, title=title))
    return sheets


def comparison_workbook_bytes(comparison: PlanComparison, tr: Translate = english) -> bytes:
    return sheets_to_xlsx(comparison_sheets(comparison, tr))


def comparison_csv_excel_id_bytes(
    comparison: PlanComparison, table: str = "villages", tr: Translate = english
) -> bytes:
    frame = comparison.table(table)
    return csv_for_indonesian_excel(frame, [column_label(str(c), tr) for c in frame.columns])


# ------------------------------------------------------------------ the cost of fairness


def fairness_frames(plans: list[tuple[str, Plan]]) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """What each floor family costs. `plans`: the plan with every floor first, then (family, the
    plan without that family). Per family: the objective and enrolments given up for it (for
    `min_cost`, the extra rupiah it costs), the rupiah it moves between villages (half the sum of
    the villages' spend changes), and the villages that gain and lose enrolments because of it;
    and per family the village table (the plan without the family as the baseline)."""
    (with_label, with_all), variants = plans[0], plans[1:]
    rows, frames = [], {}
    for family, without in variants:
        comparison = compare_plans((f"without {family}", without), [(with_label, with_all)])
        villages = comparison.villages
        new_delta = villages["new_enrollments_delta"]
        given_up = None
        if with_all.objective is not None and without.objective is not None:
            given_up = (
                without.objective - with_all.objective
                if with_all.objective_name != "min_cost"
                else with_all.objective - without.objective
            )
        totals = comparison.totals
        rows.append(
            {
                "floor": family,
                "status": without.status.value,
                "objective_with": with_all.objective,
                "objective_without": without.objective,
                "objective_given_up": given_up,
                "enrollments_with": float(totals["new_enrollments"].iloc[1]),
                "enrollments_without": float(totals["new_enrollments"].iloc[0]),
                "enrollments_given_up": float(
                    totals["new_enrollments"].iloc[0] - totals["new_enrollments"].iloc[1]
                ),
                "spend_with_idr": float(totals["spend_total_idr"].iloc[1]),
                "spend_without_idr": float(totals["spend_total_idr"].iloc[0]),
                "rupiah_moved_idr": float(villages["spend_total_idr_delta"].abs().sum() / 2),
                "villages_gaining": int((new_delta > 1e-6).sum()),
                "villages_losing": int((new_delta < -1e-6).sum()),
            }
        )
        frames[family] = villages
    return pd.DataFrame(rows), frames
