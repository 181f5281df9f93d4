"""CSV that Excel with Indonesian regional settings opens in columns (`;`, a decimal comma, UTF-8
with a BOM): any frame (`csv_for_indonesian_excel`) and the targets table under the planner's
headers (`targets_csv_excel_id_bytes`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models import Plan
from scenarios.labels import (
    Translate,
    english,
)
from scenarios.plan_writers import targets_frame
from scenarios.safe_cells import neutralise_frame, neutralise_text
from scenarios.targets_workbook import planner_headers


def csv_for_indonesian_excel(frame: pd.DataFrame, headers: list[str] | None = None) -> bytes:
    """What Excel with Indonesian regional settings opens in columns: `;` between cells, a
    decimal comma, UTF-8 with a BOM."""
    shown = neutralise_frame(frame)  # text Excel would run gets its leading apostrophe
    if headers is not None:
        shown.columns = [neutralise_text(h) for h in headers]
    for position in range(shown.shape[1]):
        if shown.dtypes.iloc[position] == np.float64:
            shown.isetitem(position, _comma_decimals(shown.iloc[:, position].to_numpy()))
    text = shown.to_csv(index=False, sep=";", decimal=",", lineterminator="\r\n")
    return "\ufeff".encode() + text.encode("utf-8")


def _comma_decimals(numbers: np.ndarray) -> np.ndarray:
    """Floats as pandas writes them with `decimal=","` (`str(x)`, its first point a comma, NaN
    empty), a column at once rather than a call per cell."""
    text = np.array([t.replace(".", ",", 1) for t in map(str, numbers.tolist())], dtype=object)
    text[np.isnan(numbers)] = ""
    return text


def targets_csv_excel_id_bytes(plan: Plan, tr: Translate = english, labelled: bool = True) -> bytes:
    frame = targets_frame(plan)
    return csv_for_indonesian_excel(frame, planner_headers(frame, plan, tr) if labelled else None)
