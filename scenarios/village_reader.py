"""Reading a village table (contract section 1) from CSV, XLSX or JSON rows into raw cells.

The cells are validated in one place, `scenarios.village_table.table_from_raw`; this module only
turns bytes into a header and rows, remembering each row's number in the file (header = row 1).
A file is read as a stream and the rows are counted while they are read: a table past the
limit is refused at the first row beyond it, the rest of the file unread.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from models import InputIssue, UploadedTable, VillageTable, VillageTableError
from scenarios.files import Source, open_source
from scenarios.limits import ReadLimits, check_xlsx_bounds
from scenarios.village_table import RawTable, normalise_column_name, table_from_raw

_ZIP_MAGIC = b"PK\x03\x04"
_OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls (BIFF in an OLE container)
_XLSX_SUFFIXES = (".xlsx", ".xlsm")
_HEAD_BYTES = 64 * 1024  # what tells the kind of file and its header line
_CSV_CHUNK_ROWS = 20_000  # rows pandas reads before they are counted


def read_villages(
    source: Source, filename: str | None = None, limits: ReadLimits | None = None
) -> VillageTable:
    """Read and validate a village table: CSV (comma or semicolon separated, UTF-8 with or
    without BOM) or XLSX (first sheet). Raises VillageTableError listing every bad row, or
    naming the limit (`limits`: rows, columns, the XLSX's size) the table goes beyond."""
    return _read(source, filename, limits)[0]


def _read(source: Source, filename: str | None, limits: ReadLimits | None) -> tuple[VillageTable, list[str]]:
    limits = limits or ReadLimits()
    with open_source(source, filename, VillageTableError) as (stream, name):
        raw = raw_cells(stream, name, limits)
        return table_from_raw(raw), raw.header


def read_uploaded_villages(
    source: Source, filename: str | None = None, limits: ReadLimits | None = None
) -> UploadedTable:
    """`read_villages`, keeping each column's header as written (code -> header)."""
    table, header = _read(source, filename, limits)
    headers: dict[str, str] = {}
    for written in header:
        key = normalise_column_name(written)
        if key and key not in headers:
            headers[key] = written.strip()
    return UploadedTable.model_construct(
        groups=table.groups, villages=table.villages, source=table.source, headers=headers
    )


def raw_cells(content: bytes | IO[bytes], name: str, limits: ReadLimits) -> RawTable:
    """A file's header and rows as cells, each row with its number in the file: CSV (UTF-8 or
    Windows-1252, comma, semicolon or tab separated) or XLSX (first sheet), within `limits`.
    `content` is the bytes or a seekable stream of them, read only as far as the limits let."""
    stream = io.BytesIO(content) if isinstance(content, bytes) else content
    head = stream.read(_HEAD_BYTES)
    stream.seek(0)
    if not head.strip() and len(head) < _HEAD_BYTES:
        raise VillageTableError([InputIssue(file=name, message="the file is empty")])
    suffix = Path(name).suffix.lower()
    if head.startswith(_ZIP_MAGIC) or suffix in _XLSX_SUFFIXES:
        check_xlsx_bounds(stream, name, limits)
        stream.seek(0)
        raw = _xlsx_cells(stream, name)
    elif head.startswith(_OLD_EXCEL_MAGIC) or suffix == ".xls":
        raise VillageTableError(
            [InputIssue(file=name, message="old Excel .xls files are not read: save it as .xlsx or CSV")]
        )
    else:
        raw = _csv_cells(stream, head, name, limits)
    _check_size(raw.name, len(raw.cells), len(raw.header), limits)
    return raw


def _check_size(name: str, rows: int, columns: int, limits: ReadLimits, more: bool = False) -> None:
    """Refuse a table past the rows or columns allowed; `more`: the reading stopped at the
    limit, so `rows` is only how many were read."""
    if rows > limits.max_rows:
        counted = f"more than {limits.max_rows:,}" if more else f"{rows:,}"
        raise VillageTableError(
            [
                InputIssue(
                    file=name,
                    message=f"the table has {counted} {limits.rows_are}; the limit is "
                    f"{limits.max_rows:,} (split it, e.g. by kabupaten)",
                )
            ]
        )
    if columns > limits.max_columns:
        raise VillageTableError(
            [
                InputIssue(
                    file=name,
                    row=1,
                    message=f"the table has {columns:,} columns; the limit is {limits.max_columns:,}",
                )
            ]
        )


def villages_from_rows(
    rows: list[dict[str, Any]], source: str = "rows", limits: ReadLimits | None = None
) -> VillageTable:
    """Validate a village table given as JSON rows (one object per village), with the same rules
    as a file. Issues name the row by its 1-based position in the list."""
    limits = limits or ReadLimits()
    if not isinstance(rows, list):
        raise VillageTableError([InputIssue(file=source, message="villages must be a list of rows")])
    _check_size(source, len(rows), 0, limits)
    issues = [
        InputIssue(file=source, row=i + 1, message="a row must be an object of column: value")
        for i, row in enumerate(rows)
        if not isinstance(row, dict)
    ]
    if issues:
        raise VillageTableError(issues[:200])
    if not rows:
        raise VillageTableError([InputIssue(file=source, message="the table has no villages")])
    # rows may spell a column differently ("District", "kecamatan"): one column per meaning
    named: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        cells: dict[str, Any] = {}
        for key, value in row.items():
            column = normalise_column_name(str(key))
            if column in cells:
                issues.append(InputIssue(file=source, row=i + 1, column=str(key), message="given twice"))
            cells[column] = value
        named.append(cells)
    if issues:
        raise VillageTableError(issues[:200])
    header = list(dict.fromkeys(key for row in named for key in row))
    _check_size(source, len(rows), len(header), limits)
    frame = pd.DataFrame(
        [[row.get(key) for key in header] for row in named],
        columns=range(len(header)),
        dtype=object,
    )
    return table_from_raw(
        RawTable(
            name=source,
            header=header,
            cells=frame,
            row_numbers=np.arange(1, len(rows) + 1),
        )
    )


def _undecodable(content: bytes, name: str) -> VillageTableError:
    """The refusal of a file that is neither UTF-8 nor Windows-1252, naming the first bad row."""
    try:
        content.decode("cp1252")
        row = None
    except UnicodeDecodeError as exc:
        row = content[: exc.start].count(b"\n") + 1
    return VillageTableError(
        [
            InputIssue(
                file=name,
                row=row,
                message="the file is neither UTF-8 nor Windows-1252 text: save it as 'CSV UTF-8' "
                "(or as XLSX)",
            )
        ]
    )


def _separator(first_line: str) -> str:
    """The separator of the header line: the most frequent of comma, semicolon and tab."""
    counts = {sep: first_line.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ","


def _csv_cells(stream: IO[bytes], head: bytes, name: str, limits: ReadLimits) -> RawTable:
    """UTF-8 (with or without BOM), else Windows-1252: what Excel's plain "CSV" saves on
    Windows. Read in chunks of rows, counted as they come: the reading stops past the limit."""
    text = head.decode("utf-8-sig", errors="replace")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    separator = _separator(first_line)
    # before pandas builds a frame as wide as the widest row
    _check_size(name, 0, first_line.count(separator) + 1, limits)
    for encoding in ("utf-8-sig", "cp1252"):
        stream.seek(0)
        try:
            return _csv_rows(stream, encoding, separator, name, limits)
        except UnicodeDecodeError:
            continue
    stream.seek(0)
    raise _undecodable(stream.read(), name)


def _csv_rows(stream: IO[bytes], encoding: str, separator: str, name: str, limits: ReadLimits) -> RawTable:
    rows_allowed = limits.max_rows + 1  # the header row too
    chunks: list[pd.DataFrame] = []
    blanks: list[np.ndarray] = []  # each chunk's blank rows, found once
    filled = 0
    try:
        reader = pd.read_csv(
            stream,
            sep=separator,
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            quoting=csv.QUOTE_MINIMAL,
            encoding=encoding,
            chunksize=_CSV_CHUNK_ROWS,
        )
        with reader:
            for chunk in reader:
                chunks.append(chunk)
                blanks.append(_blank_rows(chunk))
                filled += int((~blanks[-1]).sum())
                if filled > rows_allowed:
                    _check_size(name, filled - 1, 0, limits, more=len(chunk) == _CSV_CHUNK_ROWS)
    except pd.errors.ParserError as exc:
        raise VillageTableError(
            [InputIssue(file=name, message=f"not a readable CSV table: {_parser_reason(exc)}")]
        ) from None
    except pd.errors.EmptyDataError:
        raise VillageTableError([InputIssue(file=name, message="the file is empty")]) from None
    if not chunks:
        raise VillageTableError([InputIssue(file=name, message="the file is empty")])
    frame = chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)
    return _split_header(frame, name, np.concatenate(blanks))


def _parser_reason(exc: Exception) -> str:
    # pandas says "Error tokenizing data. C error: Expected 5 fields in line 7, saw 6"
    reason = str(exc).split("C error:")[-1].strip()
    return reason.replace("Expected", "expected", 1) or "unreadable"


def _xlsx_cells(stream: IO[bytes], name: str) -> RawTable:
    try:
        frame = pd.read_excel(
            stream,
            sheet_name=0,
            header=None,
            dtype=object,
            na_filter=False,
            engine="openpyxl",
        )
    except MemoryError:
        raise
    except Exception:  # openpyxl raises many kinds for a broken part (ParseError, IndexError, ...)
        raise VillageTableError(
            [InputIssue(file=name, message="not a readable XLSX workbook (save it again as .xlsx)")]
        ) from None
    return _split_header(frame, name)


def _split_header(frame: pd.DataFrame, name: str, blank: np.ndarray | None = None) -> RawTable:
    """The first non-empty row is the header; the rest are villages. Blank rows are skipped
    but keep their place in the row numbering. `blank`: the frame's blank rows, if known."""
    if blank is None:
        blank = _blank_rows(frame)
    filled = np.flatnonzero(~blank)
    if len(filled) == 0:
        raise VillageTableError([InputIssue(file=name, message="the file is empty")])
    header_at = int(filled[0])
    header = ["" if v is None else str(v).strip() for v in frame.iloc[header_at].tolist()]
    body = frame.iloc[header_at + 1 :]
    keep = ~blank[header_at + 1 :]
    body = body[keep]
    return RawTable(
        name=name,
        header=header,
        cells=body.reset_index(drop=True),
        row_numbers=np.flatnonzero(keep) + header_at + 2,
    )


def _blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows with nothing written. Most are exactly "" everywhere (fast to test); a row whose
    first cell is spaces is checked cell by cell."""
    cells = frame.to_numpy(dtype=object)
    if not cells.size:
        return np.zeros(len(frame), dtype=bool)
    blank = ((cells == "") | pd.isna(cells)).all(axis=1)
    first = cells[:, 0]
    maybe = np.flatnonzero(~blank & np.array([isinstance(v, str) and not v.strip() for v in first]))
    for row in maybe:
        blank[row] = all(
            v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and not v.strip())
            for v in cells[row]
        )
    return blank
