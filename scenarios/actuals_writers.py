"""Writing plan against actual: per village, per kecamatan and per source of money, as CSV (the
column codes) and as the planner's workbook (headers in the planner's language, formats, a totals
row), every text cell neutralised (`scenarios.safe_cells`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models import NOT_REPORTED, ActualsComparison
from scenarios.files import atomic_write
from scenarios.labels import COLUMNS, N_, Translate, english, group_name
from scenarios.safe_cells import neutralise_frame
from scenarios.xlsx import Sheet, sheets_to_xlsx

LABELS = {
    "planned": N_("Planned new enrolments"),
    "expected_to_date": N_("Expected to date"),
    "actual": N_("Actual new enrolments"),
    "achievement": N_("Achievement of the plan"),
    "pace": N_("Achievement of the expected to date"),
    "behind": N_("Behind"),
    "gap_to_date": N_("Short of the expected to date"),
    "villages_behind": N_("Villages behind"),
    "spent_dana_desa_idr": N_("Spent from dana desa (Rp)"),
    "spent_add_idr": N_("Spent from ADD (Rp)"),
    "spent_apbd_idr": N_("Spent from the APBD pool (Rp)"),
    "spent_idr": N_("Spent (Rp)"),
    "committed_idr": N_("Committed for the months left (Rp)"),
    "free_dana_desa_idr": N_("Dana desa free (Rp)"),
    "free_add_idr": N_("ADD free (Rp)"),
    "source": N_("Source"),
    "budget_idr": N_("Budget (Rp)"),
    "planned_idr": N_("Planned spend (Rp)"),
    "left_idr": N_("Left (Rp)"),
    "free_idr": N_("Free for new enrolments (Rp)"),
}
# "dana desa" and "ADD" are the same words in both languages
SOURCE_NAMES = {"dana_desa": "dana desa", "add": "ADD", "apbd_pool": N_("APBD pool")}
VILLAGE_COLUMNS = [
    "village_code",
    "village_name",
    "kecamatan",
    "kabupaten",
    "planned",
    "expected_to_date",
    "actual",
    "achievement",
    "pace",
    "behind",
    "gap_to_date",
    "spent_dana_desa_idr",
    "spent_add_idr",
    "spent_apbd_idr",
    "committed_idr",
    "free_dana_desa_idr",
    "free_add_idr",
]
KECAMATAN_COLUMNS = [
    "kecamatan",
    "kabupaten",
    "villages",
    "villages_behind",
    "planned",
    "expected_to_date",
    "actual",
    "achievement",
    "pace",
    "spent_idr",
    "committed_idr",
]
SOURCE_COLUMNS = [
    "source",
    "kabupaten",
    "budget_idr",
    "planned_idr",
    "spent_idr",
    "left_idr",
    "committed_idr",
    "free_idr",
]
_DECIMALS = 6


GROUP_LABELS = {"planned_": N_("%(group)s, planned"), "actual_": N_("%(group)s, actual")}
NOT_REPORTED_COLUMN = "actual_group_not_reported"
LABELS[NOT_REPORTED_COLUMN] = N_("Actual, group not reported")


def label(column: str, tr: Translate = english, groups: list[str] | None = None) -> str:
    if column in LABELS:
        return tr(LABELS[column])
    for prefix, pattern in GROUP_LABELS.items():
        group = column.removeprefix(prefix)
        if column.startswith(prefix) and group in (groups or []):
            return tr(pattern) % {"group": group_name(group, tr)}
    return tr(COLUMNS[column]) if column in COLUMNS else column


def _frame(rows: list[Any], columns: list[str]) -> pd.DataFrame:
    data = [{c: getattr(r, c) for c in columns} for r in rows]
    frame = pd.DataFrame(data, columns=columns)
    for column in columns:
        if column.endswith("_idr"):
            frame[column] = np.rint(frame[column].astype(float)).astype(np.int64)
        elif column in ("achievement", "pace"):
            frame[column] = np.round(frame[column].astype(float), _DECIMALS)
        elif column in ("planned", "expected_to_date", "gap_to_date"):
            frame[column] = np.round(frame[column].astype(float), 2)
    return frame


def villages_frame(comparison: ActualsComparison) -> pd.DataFrame:
    """One row per village; after the totals, planned and actual per group (and the counts the
    report gave without a group, where there are any)."""
    frame = _frame(comparison.villages, VILLAGE_COLUMNS)
    at = VILLAGE_COLUMNS.index("behind")
    extra: dict[str, list[float] | list[int]] = {}
    for group in comparison.groups:
        extra[f"planned_{group}"] = [
            round(v.planned_by_group.get(group, 0.0), 2) for v in comparison.villages
        ]
        extra[f"actual_{group}"] = [v.actual_by_group.get(group, 0) for v in comparison.villages]
    unreported = [v.actual_by_group.get(NOT_REPORTED, 0) for v in comparison.villages]
    if any(unreported):
        extra[NOT_REPORTED_COLUMN] = unreported
    for offset, (column, values) in enumerate(extra.items()):
        frame.insert(at + offset, column, values)
    return frame


def kecamatan_frame(comparison: ActualsComparison) -> pd.DataFrame:
    return _frame(comparison.kecamatan, KECAMATAN_COLUMNS)


def sources_frame(comparison: ActualsComparison) -> pd.DataFrame:
    frame = _frame(comparison.sources, SOURCE_COLUMNS)
    frame["kabupaten"] = frame["kabupaten"].fillna("")
    return frame


def actuals_csv_bytes(comparison: ActualsComparison, table: str = "villages") -> bytes:
    """One table (villages, kecamatan or sources) as CSV: the column codes, UTF-8, comma separated."""
    frames = {"villages": villages_frame, "kecamatan": kecamatan_frame, "sources": sources_frame}
    if table not in frames:
        raise ValueError(f"the actuals tables are villages, kecamatan and sources, not {table!r}")
    frame = frames[table](comparison)
    if "behind" in frame:
        frame["behind"] = frame["behind"].astype(int)
    return neutralise_frame(frame).to_csv(index=False, lineterminator="\n").encode("utf-8")


def actuals_workbook_bytes(comparison: ActualsComparison, tr: Translate = english, title: str = "") -> bytes:
    """The planner's workbook: villages (behind first), kecamatan, and money per source."""
    villages = villages_frame(comparison)
    villages = villages.sort_values(["behind", "gap_to_date"], ascending=[False, False], kind="stable")
    villages["behind"] = villages["behind"].map(lambda b: tr("yes") if b else tr("no"))
    kecamatan = kecamatan_frame(comparison)
    sources = sources_frame(comparison)
    sources["source"] = [tr(SOURCE_NAMES.get(str(s), str(s))) for s in sources["source"]]
    total = tr("Total")
    totals = comparison.totals
    shares = {"achievement": totals.achievement, "pace": totals.pace}
    kinds = {
        "achievement": "share",
        "pace": "share",
        "planned": "fraction",
        "expected_to_date": "fraction",
        "gap_to_date": "fraction",
        "actual": "count",
        "villages": "count",
        "villages_behind": "count",
        "behind": "text",
    }
    # a village named "=HYPERLINK(...)" gets the quote that keeps it text from sheets_to_xlsx
    sheets = [
        Sheet(
            tr("Villages"),
            villages,
            headers=[label(c, tr, comparison.groups) for c in villages.columns],
            kinds=kinds,
            totals_label=total,
            totals=shares,
            title=title,
        ),
        Sheet(
            tr("Kecamatan"),
            kecamatan,
            headers=[label(c, tr) for c in kecamatan.columns],
            kinds=kinds,
            totals_label=total,
            totals=shares,
            title=title,
        ),
        Sheet(
            tr("Money by source"),
            sources,
            headers=[label(c, tr) for c in sources.columns],
            totals_label=total,
            title=title,
        ),
    ]
    return sheets_to_xlsx(sheets)


def write_actuals_files(comparison: ActualsComparison, out_dir: Path, tr: Translate = english) -> list[Path]:
    """actuals_villages.csv, actuals_kecamatan.csv, actuals_sources.csv, actuals.xlsx and
    actuals.json in `out_dir`."""
    written = [
        atomic_write(out_dir / f"actuals_{table}.csv", actuals_csv_bytes(comparison, table))
        for table in ("villages", "kecamatan", "sources")
    ]
    written.append(atomic_write(out_dir / "actuals.xlsx", actuals_workbook_bytes(comparison, tr)))
    written.append(
        atomic_write(out_dir / "actuals.json", (comparison.model_dump_json(indent=1) + "\n").encode("utf-8"))
    )
    return written
