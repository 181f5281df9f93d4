"""Writing a village table in the contract's own columns, so that it reads back the same."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from models import DEFAULT_KABUPATEN, VillageTable
from scenarios.files import atomic_write
from scenarios.safe_cells import neutralise_frame
from scenarios.xlsx import frames_to_xlsx

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


def villages_csv_bytes(table: VillageTable) -> bytes:
    """The table as CSV (UTF-8, comma separated)."""
    frame = villages_frame(table)
    for column in ("dana_desa_idr", "add_idr"):
        frame[column] = [_rupiah_text(x) for x in frame[column].tolist()]
    frame["priority"] = [_number_text(x) for x in frame["priority"].tolist()]
    if "max_share" in frame:
        frame["max_share"] = ["" if np.isnan(x) else _number_text(x) for x in frame["max_share"].tolist()]
    # no cell a spreadsheet would run; the reader takes the quote off again
    return neutralise_frame(frame).to_csv(index=False, lineterminator="\n").encode("utf-8")


def villages_xlsx_bytes(table: VillageTable) -> bytes:
    """The table as an XLSX workbook with one sheet, `villages`."""
    return frames_to_xlsx({"villages": villages_frame(table)})


def write_villages_csv(table: VillageTable, path: str | Path) -> Path:
    return atomic_write(path, villages_csv_bytes(table))


def write_villages_xlsx(table: VillageTable, path: str | Path) -> Path:
    return atomic_write(path, villages_xlsx_bytes(table))
