"""Workbooks a planner can open and read: one sheet per frame, a frozen header, widths that fit,
rupiah shown as whole numbers with thousands separators.

openpyxl's write-only mode streams rows, which is several times faster than building the whole
workbook in memory (a national table of 84,000 villages is 1.6 million cells)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

_MAX_WIDTH = 48
_RUPIAH_FORMAT = "#,##0"


def frames_to_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An XLSX workbook with one sheet per frame, in the given order. Columns whose name ends in
    `_idr` are shown as whole rupiah; empty cells (NaN, None) are left blank."""
    workbook = Workbook(write_only=True)
    for name, frame in sheets.items():
        sheet = workbook.create_sheet(name)
        sheet.freeze_panes = "A2"
        headers = [str(column) for column in frame.columns]
        for position, header in enumerate(headers, start=1):
            width = _width(frame.iloc[:, position - 1], header)
            sheet.column_dimensions[get_column_letter(position)].width = width
        sheet.append(headers)
        rupiah = [i for i, header in enumerate(headers) if header.endswith("_idr")]
        cells = frame.astype(object).where(frame.notna(), None).to_numpy(dtype=object)
        for row in cells.tolist():
            for i in rupiah:
                if row[i] is not None:
                    cell = WriteOnlyCell(sheet, value=row[i])
                    cell.number_format = _RUPIAH_FORMAT
                    row[i] = cell
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _width(values: pd.Series, header: str) -> float:
    """Wide enough for the header and the longest value (thousands separators included)."""
    written = values.dropna()
    if len(written) and pd.api.types.is_float_dtype(written):
        written = pd.Series(np.round(written.to_numpy(dtype=float), 6))
    longest = int(written.astype(str).str.len().max()) if len(written) else 0
    if header.endswith("_idr"):
        longest += longest // 3
    return float(min(_MAX_WIDTH, max(len(header), longest) + 2))
