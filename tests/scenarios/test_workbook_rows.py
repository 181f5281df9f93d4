"""The workbooks' data rows, written a column at a time into XlsxWriter's sheets: every kind of
cell reads back as written (openpyxl, as a planner's spreadsheet opens it), with its column's
format, below the frozen header and above the totals row."""

from __future__ import annotations

import io
import math

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.safe_cells import neutralise_frame
from scenarios.xlsx import Sheet, frames_to_xlsx, sheets_to_xlsx

AWKWARD_TEXT = [
    "plain",
    'a & b <c> "d"',
    " leading space",
    "trailing space ",
    "tab\tinside",
    "bell\x07",
    "_x0041_ looks escaped",
    "line\nbreak",
    "Sukamaju",
]


def _sheet(content: bytes, name: str) -> openpyxl.worksheet.worksheet.Worksheet:
    return openpyxl.load_workbook(io.BytesIO(content))[name]


def _written_cell_by_cell(frame: pd.DataFrame) -> list[tuple[object, ...]]:
    """The same frame through XlsxWriter's own `write_row`, one cell at a time, as read back."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = book.add_worksheet("t")
    safe = neutralise_frame(frame)
    sheet.write_row(0, 0, [str(c) for c in safe.columns])
    for number, row in enumerate(safe.astype(object).itertuples(index=False), start=1):
        sheet.write_row(
            number, 0, [None if isinstance(v, float) and not math.isfinite(v) else v for v in row]
        )
    book.close()
    return list(_sheet(buffer.getvalue(), "t").iter_rows(values_only=True))


def test_every_kind_of_cell_reads_back_with_its_column_format() -> None:
    frame = pd.DataFrame(
        {
            "village_name": AWKWARD_TEXT,
            "spend_total_idr": np.arange(len(AWKWARD_TEXT), dtype=np.int64) * 1_000_000,
            "coverage_after": [0.25, np.nan, 1 / 3, 1e-7, 2.5e15, -0.5, np.inf, 0.0, 7.0],
            "check_ok": [True, False] * 4 + [True],
            "value": pd.Series(["text", 3, 2.5, None, True, "", np.nan, -4, "=1+1"], dtype=object),
        }
    )

    sheet = _sheet(frames_to_xlsx({"targets": frame}), "targets")

    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows == _written_cell_by_cell(frame)[1:]
    # control characters are stored as Excel escapes them (_x0007_), which openpyxl shows as stored
    assert [row[0] for row in rows] == [
        text.replace("\x07", "_x0007_").replace("_x0041_", "_x005F_x0041_") for text in AWKWARD_TEXT
    ]
    assert [row[1] for row in rows] == frame["spend_total_idr"].tolist()
    assert [row[2] for row in rows] == [0.25, None, 1 / 3, 1e-7, 2.5e15, -0.5, None, 0, 7]
    assert [row[3] for row in rows] == frame["check_ok"].tolist()
    # the formula-like text is neutralised; "" and NaN are empty cells
    assert [row[4] for row in rows] == ["text", 3, 2.5, None, True, None, None, -4, "'=1+1"]
    assert {sheet.cell(row=r, column=2).number_format for r in range(2, len(frame) + 2)} == {"#,##0"}
    assert sheet.cell(row=2, column=1).data_type == "s"
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == len(frame) + 1


def test_rows_past_one_chunk_keep_their_order() -> None:
    n = 25_003
    frame = pd.DataFrame({"village_code": [f"{i:010d}" for i in range(n)], "new_enrollments": np.arange(n)})

    sheet = _sheet(frames_to_xlsx({"targets": frame}), "targets")

    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows == list(zip(frame["village_code"], frame["new_enrollments"].tolist(), strict=True))


def test_the_totals_row_sums_the_rows_written_above_it() -> None:
    frame = pd.DataFrame(
        {
            "kecamatan": ["Babelan", "Tarumajaya", "Cikarang"],
            "spend_total_idr": [1_000, 2_500, 4_000],
            "coverage_after": [0.2, 0.5, 0.25],
        }
    )
    spec = Sheet("Target", frame, totals_label="Jumlah", totals={"coverage_after": 0.3})

    sheet = _sheet(sheets_to_xlsx([spec]), "Target")

    assert [c.value for c in sheet[2]] == ["Babelan", 1000, 0.2]
    assert [c.value for c in sheet[4]] == ["Cikarang", 4000, 0.25]
    assert [c.value for c in sheet[5]] == ["Jumlah", "=SUBTOTAL(109,B2:B4)", 0.3]
    assert sheet["B3"].number_format == "#,##0" and sheet["C3"].number_format == "0.0%"
    assert sheet.auto_filter.ref == "A1:C4"
    assert sheet.max_row == 5


def test_a_cell_of_another_kind_is_refused_not_dropped() -> None:
    frame = pd.DataFrame({"written": pd.Series([pd.Timestamp("2026-12-02"), "x"], dtype=object)})

    with pytest.raises(TypeError, match="Timestamp"):
        frames_to_xlsx({"t": frame})


def test_rows_go_in_below_a_header_of_empty_names() -> None:
    frame = pd.DataFrame({"": [1, 2]})

    sheet = _sheet(frames_to_xlsx({"t": frame}), "t")

    assert list(sheet.iter_rows(values_only=True)) == [(None,), (1,), (2,)]


def test_an_empty_frame_leaves_the_header_alone() -> None:
    frame = pd.DataFrame({"village_code": pd.Series([], dtype=object), "spend_total_idr": []})

    sheet = _sheet(frames_to_xlsx({"targets": frame}), "targets")

    assert list(sheet.iter_rows(values_only=True)) == [("village_code", "spend_total_idr")]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(max_size=30), st.floats(min_value=-1e16, max_value=1e16)), min_size=1, max_size=30
    )
)
def test_text_and_numbers_read_back_as_xlsxwriter_writes_them(cells: list[tuple[str, float]]) -> None:
    frame = pd.DataFrame({"name": [c[0] for c in cells], "figure": [c[1] for c in cells]})

    sheet = _sheet(frames_to_xlsx({"t": frame}), "t")

    assert list(sheet.iter_rows(values_only=True)) == _written_cell_by_cell(frame)
