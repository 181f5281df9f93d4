"""Workbooks a planner can open and read: one sheet per frame, a frozen header, widths that fit,
rupiah shown as whole numbers with thousands separators, and no text cell a spreadsheet would run
as a formula (`scenarios.safe_cells`).

XlsxWriter streams rows (`constant_memory`) and formats whole columns rather than cells: a national
table of 84,000 villages (1.6 million cells) writes in a few seconds, against about 18 with
openpyxl, which stays the engine for reading."""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import xlsxwriter

from scenarios.safe_cells import neutralise_frame

_MAX_WIDTH = 48
_RUPIAH_FORMAT = "#,##0"


def frames_to_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An XLSX workbook with one sheet per frame, in the given order. Columns whose name ends in
    `_idr` are shown as whole rupiah; empty cells (NaN, None) are left blank."""
    buffer = io.BytesIO()
    # constant_memory streams each row to a temporary file (in_memory would undo that)
    # text is text: never a formula or a link, whatever it starts with
    workbook = xlsxwriter.Workbook(
        buffer, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    rupiah_format = workbook.add_format({"num_format": _RUPIAH_FORMAT})
    bold = workbook.add_format({"bold": True})
    for name, written in sheets.items():
        frame = neutralise_frame(written)
        sheet = workbook.add_worksheet(name)
        sheet.freeze_panes(1, 0)
        headers = [str(column) for column in frame.columns]
        for position, header in enumerate(headers):
            sheet.set_column(position, position, _width(frame.iloc[:, position], header),
                             rupiah_format if header.endswith("_idr") else None)
        sheet.write_row(0, 0, headers, bold)
        columns = [_cells(frame.iloc[:, i]) for i in range(len(headers))]
        for row_number, row in enumerate(zip(*columns, strict=True), start=1):
            sheet.write_row(row_number, 0, row)
    workbook.close()
    return buffer.getvalue()


def _cells(values: pd.Series) -> list[object]:
    """Plain Python values, with None for empty cells (XlsxWriter refuses NaN)."""
    cells = values.astype(object).tolist()
    return [None if isinstance(c, float) and math.isnan(c) else c for c in cells]


def _width(values: pd.Series, header: str) -> float:
    """Wide enough for the header and the longest value (thousands separators included)."""
    written = values.dropna()
    if len(written) and pd.api.types.is_float_dtype(written):
        written = pd.Series(np.round(written.to_numpy(dtype=float), 6))
    longest = int(written.astype(str).str.len().max()) if len(written) else 0
    if header.endswith("_idr"):
        longest += longest // 3
    return float(min(_MAX_WIDTH, max(len(header), longest) + 2))
