"""Workbooks a planner can open and read: one sheet per frame, a frozen header, widths that fit,
rupiah shown as whole numbers with thousands separators, and no text cell a spreadsheet would run
as a formula (`scenarios.safe_cells`).

XlsxWriter lays out every sheet (styles, header, column widths and formats, frozen header,
autofilter, totals row, print setup); the data rows of a sheet are written a column at a time
(`_data_rows`) in the cell markup XlsxWriter itself writes in `constant_memory` mode (inline
strings, the column's style on every cell) and put into its sheet after the header. XlsxWriter's
per-cell path costs about 6 microseconds a cell: 16-28 s for the national targets workbook (84,000
villages, 2.2 million cells), against about 4 s this way, compression included (load 4-5).
openpyxl stays the engine for reading."""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import chain, repeat
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from scenarios.safe_cells import neutralise_cell, neutralise_frame, neutralise_text

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
    later: dict[int, pd.DataFrame] = {}  # sheet number -> the rows below its header
    for name, written in sheets.items():
        frame = neutralise_frame(written)
        sheet = workbook.add_worksheet(name)
        sheet.freeze_panes(1, 0)
        headers = [str(column) for column in frame.columns]
        for position, header in enumerate(headers):
            sheet.set_column(
                position,
                position,
                _width(frame.iloc[:, position], header),
                rupiah_format if header.endswith("_idr") else None,
            )
        sheet.write_row(0, 0, headers, bold)
        later[len(later) + 1] = frame
    workbook.close()
    return _with_data_rows(buffer.getvalue(), later)


def _cells(values: pd.Series) -> list[object]:
    """Plain Python values, with None for empty cells (XlsxWriter refuses NaN)."""
    cells = values.astype(object).tolist()
    return [None if isinstance(c, float) and math.isnan(c) else c for c in cells]


def _width(values: pd.Series, header: str) -> float:
    """Wide enough for the header and the longest value (thousands separators included)."""
    if values.dtype == object:
        cells = values.tolist()
        if cells and all(type(cell) is str for cell in cells):  # text: its length, without a copy
            longest = max(map(len, cells))
            if header.endswith("_idr"):
                longest += longest // 3
            return float(min(_MAX_WIDTH, max(len(header), longest) + 2))
    written = values.dropna()
    if len(written) and pd.api.types.is_integer_dtype(written.dtype):
        # the longest whole number is the largest or the most negative one
        written = pd.Series([written.min(), written.max()])
    elif len(written) and pd.api.types.is_float_dtype(written):
        # the distinct values as text (`str`, as pandas' astype(str) writes a float)
        distinct = pd.unique(np.round(written.to_numpy(dtype=float), 6)).tolist()
        written = pd.Series([max(map(str, distinct), key=len)], dtype=object)
    longest = int(written.astype(str).str.len().max()) if len(written) else 0
    if header.endswith("_idr"):
        longest += longest // 3
    return float(min(_MAX_WIDTH, max(len(header), longest) + 2))


# --- the planner's workbooks ------------------------------------------------------------------

_FORMATS = {
    "rupiah": "#,##0",
    "count": "#,##0",
    "fraction": "#,##0.0",
    "share": "0.0%",
    "fine_share": "0.00%",  # a share the planner sets to a hundredth of a percent (a remedy's)
    "decimal": "#,##0.000",
    "number": "0",  # a year, a month number: no thousands separator
    "text": "@",
}
_SUMMED_KINDS = ("rupiah", "count", "fraction")


@dataclass
class Sheet:
    """One sheet of a planner's workbook: a frame whose columns are shown under `headers`, each
    formatted by its kind (`rupiah`, `count`, `fraction`, `share`, `decimal`, `text`; inferred
    from the column code when not given), with an optional totals row below the filtered range:
    SUBTOTAL over the visible rows for summed kinds, or the value given in `totals`."""

    name: str
    frame: pd.DataFrame
    headers: list[str] | None = None
    kinds: dict[str, str] = field(default_factory=dict)
    totals_label: str | None = None  # a totals row when set
    totals: Mapping[str, object] = field(default_factory=dict)  # column -> its total, where not a sum
    no_sum: tuple[str, ...] = ()  # columns whose totals cell stays empty
    title: str = ""  # the printed page's header
    autofilter: bool = True
    cell_kinds: dict[str, list[str]] = field(default_factory=dict)  # column -> a kind per row
    # column -> XlsxWriter's data validation (a template's numbers), on its first `rows_to_fill`
    validations: dict[str, dict[str, Any]] = field(default_factory=dict)
    rows_to_fill: int = 0


def column_kind(column: str, values: pd.Series) -> str:
    """The kind of a column from its code: rupiah, shares, worker counts, decimals or text."""
    name = column.removesuffix("_delta").removesuffix("_baseline")
    if name.endswith("_idr"):
        return "rupiah"
    if name.startswith("coverage") or name.endswith("_share"):
        return "share"
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        whole = pd.api.types.is_integer_dtype(values) or bool(
            np.all(np.isclose(values.dropna().to_numpy(dtype=float) % 1, 0))
        )
        counted = name.startswith(("new_", "workers", "villages")) or name in ("new_workers",)
        if counted:
            return "count" if whole else "fraction"
        return "count" if whole else "decimal"
    return "text"


def labelled_sheet(
    name: str,
    frame: pd.DataFrame,
    label: Callable[[str], str],
    *,
    total: str | None = None,
    sums: Iterable[str] = (),
    **more: Any,
) -> Sheet:
    """A sheet of a planner's workbook from a table whose columns are codes: each header is
    `label(code)`; with `total` (the word for it), a totals row summing the columns in `sums`
    and leaving the others empty (or set by `totals=`)."""
    columns = [str(c) for c in frame.columns]
    summed = set(sums)
    return Sheet(
        name,
        frame,
        headers=[label(c) for c in columns],
        totals_label=total,
        no_sum=tuple(c for c in columns if c not in summed),
        **more,
    )


def items_sheet(name: str, rows: list[tuple[str, Any, str]], headers: list[str], title: str = "") -> Sheet:
    """An item, value sheet (parameters, a curve's summary): `rows` of (label, value, kind), each
    value formatted by its own kind."""
    values = pd.Series([r[1] for r in rows], dtype=object)
    frame = pd.DataFrame({"item": [r[0] for r in rows], "value": values})
    kinds = [_number_kind(value) if kind == "text" else kind for _, value, kind in rows]
    return Sheet(
        name,
        frame,
        headers=headers,
        kinds={"item": "text", "value": "text"},
        title=title,
        autofilter=False,
        cell_kinds={"value": kinds},
    )


def _number_kind(value: object) -> str:
    """A number given as text-kind (a plan's id, a count) still gets a number format."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        return "text"
    return "number" if float(value).is_integer() else "decimal"


def sheets_to_xlsx(sheets: list[Sheet]) -> bytes:
    """A workbook a planner prints and files: formatted columns, a bold frozen header, an
    autofilter, a totals row, and pages set up landscape, one page wide, the header repeated."""
    buffer = io.BytesIO()
    # a village named "=HYPERLINK(...)" stays text: formulas are only the totals row's own
    workbook = xlsxwriter.Workbook(
        buffer, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    header_format = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top", "bottom": 1})
    formats = {kind: workbook.add_format({"num_format": code}) for kind, code in _FORMATS.items()}
    total_formats = {
        kind: workbook.add_format({"num_format": code, "bold": True, "top": 1})
        for kind, code in _FORMATS.items()
    }
    later: dict[int, pd.DataFrame] = {}  # sheet number -> the rows below its header
    for number, spec in enumerate(sheets, start=1):
        sheet = workbook.add_worksheet(spec.name[:31])
        # every text cell, header and total that a spreadsheet would run gets its quote; the
        # columns keep their codes (the kinds and totals are keyed by them)
        frame = neutralise_frame(spec.frame)
        frame.columns = spec.frame.columns
        columns = [str(c) for c in frame.columns]
        headers = [neutralise_text(h) for h in (spec.headers or columns)]
        kinds = [spec.kinds.get(c) or column_kind(c, frame[c]) for c in columns]
        for position, (column, header, kind) in enumerate(zip(columns, headers, kinds, strict=True)):
            width = _width(frame[column], header)
            if kind == "rupiah":
                width = max(width, 14.0)
            sheet.set_column(position, position, min(width, 30.0), formats[kind] if kind != "text" else None)
        sheet.set_row(0, 30 if max((len(h) for h in headers), default=0) > 14 else None)
        sheet.write_row(0, 0, headers, header_format)
        last_row = len(frame)
        per_cell = {columns.index(c): kinds_ for c, kinds_ in spec.cell_kinds.items() if c in columns}
        if per_cell:  # a format per row (the parameters sheet, a few dozen rows): cell by cell
            cells = [_cells(frame.iloc[:, i]) for i in range(len(columns))]
            for row_number, row in enumerate(zip(*cells, strict=True), start=1):
                for position, value in enumerate(row):
                    kind = per_cell[position][row_number - 1] if position in per_cell else kinds[position]
                    sheet.write(row_number, position, value, formats[kind] if kind != "text" else None)
        elif len(columns):
            later[number] = frame
        if spec.totals_label is not None and len(columns):
            total_row = last_row + 1
            sheet.write(total_row, 0, neutralise_text(spec.totals_label), total_formats["text"])
            for position, (column, kind) in enumerate(zip(columns, kinds, strict=True)):
                if position == 0:
                    continue
                if column in spec.totals:
                    value = neutralise_cell(spec.totals[column])
                    sheet.write(total_row, position, value, total_formats[kind])
                elif kind in _SUMMED_KINDS and column not in spec.no_sum and last_row > 0:
                    letter = xl_col_to_name(position)
                    cached = float(pd.to_numeric(frame[column], errors="coerce").fillna(0).sum())
                    sheet.write_formula(
                        total_row,
                        position,
                        f"=SUBTOTAL(109,{letter}2:{letter}{last_row + 1})",
                        total_formats[kind],
                        int(cached) if cached.is_integer() else cached,
                    )
        sheet.freeze_panes(1, 0)
        for column, options in spec.validations.items():
            if column in columns:
                at = columns.index(column)
                sheet.data_validation(1, at, max(last_row, spec.rows_to_fill), at, options)
        if spec.autofilter and len(columns):
            sheet.autofilter(0, 0, max(last_row, 1), len(columns) - 1)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)  # one page wide, as many long as it takes
        sheet.repeat_rows(0)
        sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        if spec.title:
            sheet.set_header("&L" + spec.title.replace("&", "&&") + "&R&P / &N")
    workbook.close()
    return _with_data_rows(buffer.getvalue(), later)


# --- the data rows, a column at a time -----------------------------------------------------------

_CHUNK_ROWS = 10_000  # rows made at a time: bounded memory on any table
_STRING_LIMIT = 32_767  # Excel's longest cell text
_XML_ESCAPES = re.compile(r"[&<>]")
# as XlsxWriter writes them: a control character as _xHHHH_, and a literal _xHHHH_ with its
# underscore escaped, so that a spreadsheet reads back exactly the text written
_ESCAPED_LOOKALIKE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_NEEDS_CARE = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_COL = re.compile(r"<col ([^>]*)/>")
_ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')
_PRESERVE = ' xml:space="preserve"'  # leading or trailing spaces kept
_DIMENSION = re.compile(r'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"/>')


def _with_data_rows(workbook: bytes, later: Mapping[int, pd.DataFrame]) -> bytes:
    """The workbook with each sheet's data rows (`later`: sheet number -> frame, written from
    row 2 on) put in after its header row, in XlsxWriter's own cell markup."""
    later = {number: frame for number, frame in later.items() if len(frame) and frame.shape[1]}
    if not later:
        return workbook
    source = zipfile.ZipFile(io.BytesIO(workbook))
    buffer = io.BytesIO()
    # level 3: a national targets sheet compresses in half the time of the default level 6,
    # for a file about 15% larger
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as out:
        for item in source.infolist():
            match = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", item.filename)
            if match is None or int(match.group(1)) not in later:
                out.writestr(item, source.read(item))
                continue
            frame = later[int(match.group(1))]
            head, tail = _split_after_header(source.read(item).decode("utf-8"))
            head = _full_dimension(head, len(frame) + 1)
            with out.open(item.filename, "w", force_zip64=True) as part:
                part.write(head.encode("utf-8"))
                for chunk in _data_rows(frame, _column_styles(head, frame.shape[1])):
                    part.write(chunk.encode("utf-8"))
                part.write(tail.encode("utf-8"))
    return buffer.getvalue()


def _split_after_header(xml: str) -> tuple[str, str]:
    """A sheet's XML cut where its data rows go: after the header row (row 1), before anything
    XlsxWriter wrote below it (the totals row)."""
    if "<sheetData/>" in xml:  # no cell written at all
        at = xml.index("<sheetData/>")
        return xml[:at] + "<sheetData>", "</sheetData>" + xml[at + len("<sheetData/>") :]
    at = xml.index("<sheetData>") + len("<sheetData>")
    if xml.startswith('<row r="1"', at):
        at = xml.index("</row>", at) + len("</row>")
    return xml[:at], xml[at:]


def _full_dimension(head: str, last_row: int) -> str:
    """The sheet's used range as far down as its data rows go (XlsxWriter saw the header only)."""
    found = _DIMENSION.search(head)
    if found is None:
        return head
    first_col, first_row, last_col, end_row = found.groups()
    end = max(int(end_row or first_row), last_row)
    ref = f'<dimension ref="{first_col}{first_row}:{last_col or first_col}{end}"/>'
    return head[: found.start()] + ref + head[found.end() :]


def _column_styles(head: str, columns: int) -> list[str]:
    """Each column's ` s="N"` (its format, as XlsxWriter wrote it in `<cols>`), or ""."""
    styles = [""] * columns
    for found in _COL.finditer(head):
        attributes = dict(_ATTRIBUTE.findall(found.group(1)))
        if "style" not in attributes:
            continue
        for position in range(int(attributes["min"]) - 1, min(int(attributes["max"]), columns)):
            styles[position] = f' s="{attributes["style"]}"'
    return styles


def _data_rows(frame: pd.DataFrame, styles: list[str]) -> Iterator[str]:
    """`<row>` elements for the frame's rows, from sheet row 2 on, a chunk of rows at a time."""
    letters = [xl_col_to_name(position) for position in range(frame.shape[1])]
    for start in range(0, len(frame), _CHUNK_ROWS):
        part = frame.iloc[start : start + _CHUNK_ROWS]
        rows = [str(number) for number in range(start + 2, start + 2 + len(part))]
        columns = [
            _column_cells(part.iloc[:, position], letters[position], styles[position], rows)
            for position in range(frame.shape[1])
        ]
        # one join over every piece of the chunk: no string made per row
        starts = [f'<row r="{row}">' for row in rows]
        yield "".join(chain.from_iterable(zip(starts, *columns, repeat("</row>"), strict=False)))


def _column_cells(values: pd.Series, letter: str, style: str, rows: list[str]) -> list[str]:
    """One `<c>` element per row ("" for an empty cell): numbers as XlsxWriter writes them
    (`%.16G`), text as inline strings, True and False as booleans."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        flags = values.to_numpy(dtype=bool).astype(np.int8).astype(str).tolist()
        return [f'<c r="{letter}{r}"{style} t="b"><v>{v}</v></c>' for r, v in zip(rows, flags, strict=True)]
    if pd.api.types.is_integer_dtype(dtype):
        numbers = list(map(str, values.to_numpy(dtype=np.int64).tolist()))
        return [f'<c r="{letter}{r}"{style}><v>{v}</v></c>' for r, v in zip(rows, numbers, strict=True)]
    if pd.api.types.is_float_dtype(dtype):
        return _number_cells(values.to_numpy(dtype=float), letter, style, rows)
    cells = values.to_numpy(dtype=object)
    listed = cells.tolist()
    if all(type(cell) is str for cell in listed) and all(listed):  # text in every cell
        return _text_cells(cells, letter, style, rows)
    out = [""] * len(cells)
    kinds = [_kind(cell) for cell in cells]
    for kind, make in (("text", _text_cells), ("number", _number_cells), ("bool", _bool_cells)):
        at = [i for i, k in enumerate(kinds) if k == kind]
        if not at:
            continue
        picked = [rows[i] for i in at]
        made = make(
            np.asarray([cells[i] for i in at], dtype=object if kind == "text" else float),
            letter,
            style,
            picked,
        )
        for i, cell in zip(at, made, strict=True):
            out[i] = cell
    return out


def _kind(cell: object) -> str:
    if isinstance(cell, str):
        return "text" if cell else ""  # "" is an empty cell, as XlsxWriter leaves it
    if isinstance(cell, bool | np.bool_):
        return "bool"
    if isinstance(cell, int | float | np.integer | np.floating):
        return "number"
    if cell is None or cell is pd.NA or cell is pd.NaT:
        return ""  # an empty cell
    # nothing is dropped without a word: a date, say, needs a format of its own
    raise TypeError(f"a workbook cell is text, a number or True/False, not {type(cell).__name__}")


def _number_cells(numbers: np.ndarray, letter: str, style: str, rows: list[str]) -> list[str]:
    finite = np.isfinite(numbers)
    text = ["%.16G" % number for number in numbers.tolist()]  # noqa: UP031 (3 times np.char.mod's speed)
    return [
        f'<c r="{letter}{r}"{style}><v>{v}</v></c>' if ok else ""
        for r, v, ok in zip(rows, text, finite.tolist(), strict=True)
    ]


def _bool_cells(flags: np.ndarray, letter: str, style: str, rows: list[str]) -> list[str]:
    return [f'<c r="{letter}{r}"{style} t="b"><v>{int(v)}</v></c>' for r, v in zip(rows, flags, strict=True)]


def _text_cells(texts: np.ndarray, letter: str, style: str, rows: list[str]) -> list[str]:
    cells: list[str] = texts.tolist()
    # one search over the whole column says whether any cell needs its text escaped
    if max(map(len, cells)) > _STRING_LIMIT:
        cells = [text[:_STRING_LIMIT] for text in cells]
    joined = "\n".join(cells)
    if _NEEDS_CARE.search(joined):
        cells = [_escape_characters(text) if _NEEDS_CARE.search(text) else text for text in cells]
    if _XML_ESCAPES.search(joined):
        cells = [text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for text in cells]
    start = ' t="inlineStr"><is><t'
    # a cell that starts or ends with a space keeps it (`strip` takes what `isspace` says)
    if not [text for text in cells if text != text.strip()]:
        return [
            f'<c r="{letter}{r}"{style}{start}>{text}</t></is></c>'
            for r, text in zip(rows, cells, strict=True)
        ]
    return [
        f'<c r="{letter}{r}"{style}{start}{_PRESERVE if text[0].isspace() or text[-1].isspace() else ""}>'
        f"{text}</t></is></c>"
        for r, text in zip(rows, cells, strict=True)
    ]


def _escape_characters(text: str) -> str:
    text = _ESCAPED_LOOKALIKE.sub(r"_x005F\1", text)
    text = _CONTROL.sub(lambda found: f"_x{ord(found.group()):04X}_", text)
    return text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
