"""Writing a village table in the contract's own columns, so that it reads back the same; or in
the headers it was uploaded with, or in a language (the planner's workbook); and the import
template a planner fills in."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from models import DEFAULT_KABUPATEN, Village, VillageTable
from scenarios.files import atomic_write
from scenarios.labels import GROUP_NAMES, N_, Translate, column_label, english, group_name
from scenarios.safe_cells import neutralise_frame, neutralise_text
from scenarios.village_table import normalise_column_name
from scenarios.xlsx import frames_to_xlsx, labelled_sheet, sheets_to_xlsx

_AMBIGUOUS_RUPIAH = re.compile(r"\d{1,3}\.\d{3}")


def villages_frame(table: VillageTable) -> pd.DataFrame:
    """The table in contract columns: village_code, village_name, kecamatan, kabupaten (when the
    table names any), dana_desa_idr, add_idr, uninsured_<group>..., enrolled_<group>...,
    priority, max_share (when any village has one)."""
    villages = table.villages
    data: dict[str, object] = {
        "village_code": [v.village_code for v in villages],
        "village_name": [v.village_name for v in villages],
        "kecamatan": [v.kecamatan for v in villages],
    }
    if any(v.kabupaten != DEFAULT_KABUPATEN for v in villages):
        data["kabupaten"] = [v.kabupaten for v in villages]
    data["dana_desa_idr"] = np.asarray([v.dana_desa_idr for v in villages], dtype=float)
    data["add_idr"] = np.asarray([v.add_idr for v in villages], dtype=float)
    for g in table.groups:
        data[f"uninsured_{g}"] = np.asarray([v.uninsured.get(g, 0) for v in villages], dtype=np.int64)
    for g in table.groups:
        data[f"enrolled_{g}"] = np.asarray([v.enrolled.get(g, 0) for v in villages], dtype=np.int64)
    data["priority"] = np.asarray([v.priority for v in villages], dtype=float)
    if any(v.max_share is not None for v in villages):
        data["max_share"] = np.asarray(
            [np.nan if v.max_share is None else v.max_share for v in villages], dtype=float
        )
    return pd.DataFrame(data)


def _rupiah_text(value: float) -> str:
    """Whole rupiah as digits; a fraction written so it cannot be read as thousands
    ("123.456" would be 123,456 rupiah, so 123.456 is written "123.4560")."""
    if value.is_integer():
        return str(int(value))
    text = repr(value)
    return text + "0" if _AMBIGUOUS_RUPIAH.fullmatch(text) else text


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def villages_csv_bytes(table: VillageTable, headers: dict[str, str] | None = None) -> bytes:
    """The table as CSV (UTF-8, comma separated); with `headers` (code -> the header as
    uploaded), under those headers."""
    frame = villages_frame(table)
    for column in ("dana_desa_idr", "add_idr"):
        frame[column] = [_rupiah_text(x) for x in frame[column].tolist()]
    frame["priority"] = [_number_text(x) for x in frame["priority"].tolist()]
    if "max_share" in frame:
        frame["max_share"] = ["" if np.isnan(x) else _number_text(x) for x in frame["max_share"].tolist()]
    # no cell a spreadsheet would run; the reader takes the quote off again
    safe = neutralise_frame(frame)
    if headers:
        safe.columns = [neutralise_text(headers.get(c) or c) for c in frame.columns]
    return safe.to_csv(index=False, lineterminator="\n").encode("utf-8")


def villages_xlsx_bytes(
    table: VillageTable, headers: dict[str, str] | None = None, tr: Translate | None = None
) -> bytes:
    """The table as an XLSX workbook with one sheet, `villages`, in the contract's codes; with
    `headers` (code -> the header as uploaded) or `tr` (headers in that language), the
    planner's workbook: formats, frozen header, print setup, under those headers; no totals row,
    so that it uploads again as the same table."""
    frame = villages_frame(table)
    if headers is None and tr is None:
        return frames_to_xlsx({"villages": frame})
    say = tr or english

    def label(column: str) -> str:
        return (headers or {}).get(column) or village_column_label(column, say)

    sheet = labelled_sheet(
        say("Villages"),
        frame,
        label,
        kinds=_VILLAGE_KINDS,
        title=table.source or "",
    )
    return sheets_to_xlsx([sheet])


_VILLAGE_KINDS = {"priority": "decimal", "max_share": "share", "village_code": "text"}
_GROUP_COLUMNS = {"uninsured_": N_("Uninsured %(group)s"), "enrolled_": N_("Enrolled %(group)s")}


def village_column_label(column: str, tr: Translate = english) -> str:
    """A village table's column as a person reads it, in `tr`'s words, always a header the
    reader takes back as the same column (else the code itself)."""
    label = column_label(column, tr)
    for prefix, pattern in _GROUP_COLUMNS.items():
        if column.startswith(prefix):
            group = column.removeprefix(prefix)
            label = tr(pattern) % {"group": group_name(group, tr)}
            if normalise_column_name(label) != column:  # "uninsured construction workers"
                label = tr(pattern) % {"group": group.replace("_", " ")}
    return label if normalise_column_name(label) == column else column


def template_xlsx_bytes(tr: Translate = english, groups: list[str] | None = None) -> bytes:
    """The import template: the village table's headers in `tr`'s words (each read back as its
    column), one example row to overwrite, and data validation on every number column (rupiah
    and worker counts whole and not negative, the priority above 0, the largest share 0 to 1)."""
    groups = groups or list(GROUP_NAMES)
    example = Village(
        village_code="3216012001",
        village_name=tr("Example village"),
        kecamatan=tr("Example kecamatan"),
        kabupaten="Kabupaten Bekasi",
        dana_desa_idr=1_000_000_000,
        add_idr=400_000_000,
        uninsured={g: 100 for g in groups},
        enrolled={g: 10 for g in groups},
        priority=1.0,
        max_share=0.5,
    )
    frame = villages_frame(VillageTable(groups=groups, villages=[example]))
    whole = {"validate": "integer", "criteria": ">=", "value": 0}
    rupiah = {"validate": "decimal", "criteria": ">=", "value": 0}
    validations: dict[str, dict[str, object]] = {}
    for column in frame.columns:
        if column.endswith("_idr"):
            validations[column] = {**rupiah, "error_message": tr("Rupiah: a number, 0 or more")}
        elif column.startswith(("uninsured_", "enrolled_")):
            validations[column] = {**whole, "error_message": tr("Workers: a whole number, 0 or more")}
    validations["priority"] = {
        "validate": "decimal",
        "criteria": ">",
        "value": 0,
        "error_message": tr("Priority: a number above 0"),
    }
    validations["max_share"] = {
        "validate": "decimal",
        "criteria": "between",
        "minimum": 0,
        "maximum": 1,
        "error_message": tr("Max share: a number from 0 to 1"),
    }
    sheet = labelled_sheet(
        tr("Villages"),
        frame,
        lambda c: village_column_label(c, tr),
        kinds=_VILLAGE_KINDS,
        validations=validations,
        rows_to_fill=10_000,
        autofilter=False,
        title=tr("Village table"),
    )
    return sheets_to_xlsx([sheet])


def write_villages_csv(table: VillageTable, path: str | Path) -> Path:
    return atomic_write(path, villages_csv_bytes(table))


def write_villages_xlsx(table: VillageTable, path: str | Path) -> Path:
    return atomic_write(path, villages_xlsx_bytes(table))
