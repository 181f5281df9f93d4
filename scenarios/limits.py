"""How much a reader takes in before it refuses: rows, columns and cells of a table, the size an
XLSX unpacks to, the strings it shares, packages and groups of a scenario.

The defaults hold the national table (about 84,000 villages) with room to spare; the service
passes its own settings and the command line its `--max-villages`. An XLSX is measured before
pandas and openpyxl see it, and the measuring stops as soon as a limit is passed: a workbook of a
few kilobytes may name row 1,048,576 or column XFD, or hold hundreds of thousands of cells written
without their `r` address, and reading it would fill memory with cells, empty or not. The rows and
cells are counted as openpyxl counts them (a row or cell without `r` is the one after the last).
Every part openpyxl parses is bounded by the size its zip header declares, and unpacked in a
stream whose bytes are counted as they come; zipfile never unpacks past the declared size (a
header that understates its part fails the part's CRC, and the workbook is refused unread).
"""

from __future__ import annotations

import dataclasses
import operator
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import repeat
from typing import IO

from models import InputIssue, VillageTableError

CELLS_PER_ROW = 40  # the cells a sheet may span per allowed row (a village table uses 10-30 columns)
SHARED_STRINGS_PER_ROW = 5  # distinct texts per allowed row (name, kecamatan, kabupaten, ...)


@dataclass(frozen=True)
class ReadLimits:
    max_rows: int = 200_000  # villages in one table
    max_columns: int = 200  # columns of a village table (6 groups use 22)
    max_xlsx_unpacked_bytes: int = 512 * 1024 * 1024  # what the workbook's parts unpack to
    max_packages: int = 50  # packages in one scenario
    max_groups: int = 100  # groups named in a scenario's weights or floors
    # rows x columns a sheet spans, as pandas pads every row to the widest; None: CELLS_PER_ROW a row
    max_cells: int | None = None
    max_xlsx_part_bytes: int = 64 * 1024 * 1024  # any parsed part but the sheet (strings, styles, ...)
    max_shared_strings: int | None = None  # None: SHARED_STRINGS_PER_ROW a row
    table: str = "a village table"  # what the limit is of, in the refusal
    rows_are: str = "villages"  # what one row is

    @property
    def cells_allowed(self) -> int:
        return self.max_cells if self.max_cells is not None else (self.max_rows + 1) * CELLS_PER_ROW

    @property
    def shared_strings_allowed(self) -> int:
        if self.max_shared_strings is not None:
            return self.max_shared_strings
        return (self.max_rows + 1) * SHARED_STRINGS_PER_ROW + 1_000

    def with_max_rows(self, rows: int) -> ReadLimits:
        """The same limits for tables of up to `rows` rows (cells and strings follow the rows)."""
        return dataclasses.replace(self, max_rows=rows)


_NS = {
    "main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}
_SMALL_PART_BYTES = 16 * 1024 * 1024  # workbook.xml and its relationships are small
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([A-Z0-9:$]+)"')
_REF = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]{1,7})")
# a row or cell start tag, its attributes whole (a quoted value may hold '>')
# (possessive: a tag left open never backtracks)
_ROW_OR_CELL = re.compile(rb"""<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])((?:[^>"']|"[^"]*"|'[^']*')*)>""")
# what sends a stretch of the sheet down the exact path: an `r` attribute, a prefixed row or
# cell, a cell tag closed at once or followed by other white space than a blank
# (each a literal first, which the regex engine scans for fast)
_NOT_PLAIN = (re.compile(rb"r\s*="), re.compile(rb":(?:row|c)[\s/>]"), re.compile(rb"<c[\t\r\n/]"))
_ROW_START = re.compile(rb"<row[\s/>]")
_ROW_R = re.compile(rb'<row r="([0-9]{1,9})"[\s/>]')
_CELL_R = re.compile(rb'<c r="([A-Z]{1,3})[0-9]{1,9}"[\s/>]')
_R_ATTRIBUTE = re.compile(rb"""(?:^|\s)r\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_SHARED_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si(?=[\s/>])")
# what openpyxl's coordinate_to_tuple takes (str patterns: \d is any Unicode digit, as int() reads)
_COORDINATE = re.compile(r"^[$]?([A-Za-z]{1,3})[$]?(\d+)$")
_REFERENCE = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);")
_NAMED_REFS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_CHUNK = 1024 * 1024
_MAX_TAG_BYTES = 1024 * 1024  # a start tag longer than this is no spreadsheet's
_MAX_PARTS = 2_000  # parts of one workbook (a table's has a few dozen)


def column_number(letters: str) -> int:
    """A1-style column letters as a 1-based number: A -> 1, XFD -> 16384."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _refuse(name: str, message: str) -> VillageTableError:
    return VillageTableError([InputIssue(file=name, message=message)])


def _unreadable(name: str, why: str = "") -> VillageTableError:
    detail = f": {why}" if why else " (save it again as .xlsx)"
    return _refuse(name, f"not a readable XLSX workbook{detail}")


def _first_sheet_path(archive: zipfile.ZipFile, name: str) -> str:
    """The part holding the workbook's first sheet, as the workbook lists its sheets."""
    try:
        workbook = ET.fromstring(_small_part(archive, "xl/workbook.xml", name))
        first = workbook.find("main:sheets/main:sheet", _NS)
        if first is None:
            raise _refuse(name, "the workbook has no sheet")
        rel_id = first.get(f"{{{_NS['r']}}}id")
        rels = ET.fromstring(_small_part(archive, "xl/_rels/workbook.xml.rels", name))
        for rel in rels.findall("rel:Relationship", _NS):
            if rel.get("Id") == rel_id:
                target = rel.get("Target") or ""
                return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    except ET.ParseError:
        raise _unreadable(name) from None
    raise _unreadable(name, "its first sheet is missing")


def _small_part(archive: zipfile.ZipFile, part: str, name: str) -> bytes:
    try:
        archive.getinfo(part)
    except KeyError:
        raise _unreadable(name) from None
    return b"".join(_chunks(archive, part, _SMALL_PART_BYTES, name))


def _chunks(archive: zipfile.ZipFile, part: str, limit: int, name: str) -> Iterator[bytes]:
    """A part unpacked a chunk at a time, refused once it passes `limit` bytes (whatever the
    zip's header says it holds) or declares a DTD (entities could make elements of nothing)."""
    unpacked = 0
    tail = b""
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(_CHUNK):
                unpacked += len(chunk)
                if unpacked > limit:
                    raise _refuse(
                        name,
                        f"the workbook's part {part} unpacks to more than {limit:,} bytes "
                        "(save the table as CSV, or split it)",
                    )
                if b"<!DOCTYPE" in tail + chunk[:16] or b"<!DOCTYPE" in chunk:
                    raise _unreadable(name, f"{part} declares a DTD")
                tail = chunk[-16:]
                yield chunk
    except KeyError:
        raise _unreadable(name, f"{part} is missing") from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise _unreadable(name) from None


def _complete_tags(chunks: Iterator[bytes], name: str) -> Iterator[bytes]:
    """The chunks again, each cut after its last complete tag, so no tag is split in two."""
    tail = b""
    for chunk in chunks:
        data = tail + chunk
        start = data.rfind(b"<")
        cut = len(data) if start < 0 or data.find(b">", start) >= 0 else start
        tail = data[cut:]
        if len(tail) > _MAX_TAG_BYTES:
            raise _unreadable(name, "a tag runs over a megabyte")
        yield data[:cut]
    if tail:
        yield tail


def _unescape(value: bytes) -> str:
    """An attribute's value as an XML parser hands it over: references replaced."""
    text = value.decode("utf-8", errors="replace")
    return _REFERENCE.sub(_referenced, text) if "&" in text else text


def _referenced(match: re.Match[str]) -> str:
    reference = match.group(1)
    if reference in _NAMED_REFS:
        return _NAMED_REFS[reference]
    try:
        return chr(int(reference[2:], 16) if reference[1] == "x" else int(reference[1:]))
    except (ValueError, OverflowError):
        return "\ufffd"


def _r_value(attributes: bytes) -> str | None:
    found = _R_ATTRIBUTE.search(attributes)
    if found is None:
        return None
    return _unescape(found.group(1) if found.group(1) is not None else found.group(2))


def _row_number(value: str, name: str) -> int:
    """A row's `r` as openpyxl reads it: a whole number, written as an integer or a float."""
    try:
        return int(value)
    except ValueError:
        pass
    try:
        number = float(value)
    except ValueError:
        raise _unreadable(name, f"a row is numbered '{value[:20]}'") from None
    if not number.is_integer():
        raise _unreadable(name, f"a row is numbered '{value[:20]}'")
    return int(number)


@dataclass
class _Extent:
    """How far a sheet reaches: the last row openpyxl would yield and the widest row's columns."""

    rows: int = 0
    columns: int = 0
    complete: bool = True  # False: the scan stopped at a limit, more may follow


def _addressed(data: bytes) -> tuple[int, int, int, int] | None:
    """For a stretch whose every row and cell carries a plain `r` first (as spreadsheets write
    them): the highest row, the last row's number (0: no row starts here), the furthest column,
    and the column of the last cell when no row starts after it (else 0). None otherwise."""
    if _NOT_PLAIN[1].search(data) or _NOT_PLAIN[2].search(data):
        return None
    rows = _ROW_R.findall(data)
    cells = _CELL_R.findall(data)
    if len(rows) != len(_ROW_START.findall(data)) or len(cells) != (data.count(b"<c ") + data.count(b"<c>")):
        return None
    numbers = list(map(int, rows))
    far = max(map(column_number, {letters.decode() for letters in cells}), default=0)
    last_cell = column_number(cells[-1].decode()) if cells else 0
    if rows and data.rfind(b"<row ") > data.rfind(b"<c "):
        last_cell = 0
    return max(numbers, default=0), numbers[-1] if numbers else 0, far, last_cell


def _scan_sheet(chunks: Iterator[bytes], name: str, limits: ReadLimits) -> _Extent:
    """Follow the rows and cells of a sheet as openpyxl would number them, stopping as soon as
    they pass the rows, columns or cells allowed. A stretch of the sheet is counted in C where
    it is written plainly (every row and cell addressed, or none), a tag at a time otherwise."""
    rows_allowed = limits.max_rows + 1  # the header row too
    cells_allowed, columns_allowed = limits.cells_allowed, limits.max_columns
    row = column = widest = top = 0  # openpyxl's row and column counters; the extent so far

    def beyond() -> bool:
        return top > rows_allowed or widest > columns_allowed or top * widest > cells_allowed

    for data in _complete_tags(chunks, name):
        addressed = _addressed(data)
        if addressed is not None:
            highest, last_row, far, last_cell = addressed
            top, widest = max(top, highest), max(widest, far)
            if last_row:
                row, column = last_row, last_cell
            elif last_cell:
                column = last_cell
            if beyond():
                return _Extent(top, widest, complete=False)
            continue
        if not any(pattern.search(data) for pattern in _NOT_PLAIN):
            # rows and cells without `r` (the way a bomb of r-less cells is written)
            stretches = _ROW_START.split(data)
            widths = list(
                map(
                    operator.add,
                    map(bytes.count, stretches, repeat(b"<c ")),
                    map(bytes.count, stretches, repeat(b"<c>")),
                )
            )
            column += widths[0]  # the cells that end the row before this stretch
            widest = max(widest, column, *widths[1:])
            if len(widths) > 1:
                row += len(widths) - 1
                column = widths[-1]
            top = max(top, row)
            if beyond():
                return _Extent(top, widest, complete=False)
            continue
        for tag, attributes in _ROW_OR_CELL.findall(data):
            # most tags carry no `r` (or only inside another name, t="inlineStr"): skip the search
            maybe_r = b" r" in attributes or b"\tr" in attributes or b"\nr" in attributes
            value = _r_value(attributes) if maybe_r or b"\rr" in attributes else None
            if tag == b"row":
                row = _row_number(value, name) if value is not None else row + 1
                column = 0
                if row > top:
                    top = row
                    if beyond():
                        return _Extent(top, widest, complete=False)
                continue
            if value:
                coordinate = _COORDINATE.match(value)
                if coordinate is None:
                    raise _unreadable(name, f"a cell is addressed '{value[:20]}'")
                column = column_number(coordinate.group(1))
            else:
                column += 1
            if column > widest:
                widest = column
                if beyond():
                    return _Extent(top, widest, complete=False)
    return _Extent(top, widest)


def _declared(archive: zipfile.ZipFile, sheet: str) -> tuple[int, int] | None:
    """The far corner (rows, columns) the sheet's `<dimension>` declares, if it has one."""
    with archive.open(sheet) as stream:
        head = stream.read(64 * 1024)
    if found := _DIMENSION.search(head):
        corner = found.group(1).decode().split(":")[-1]
        if ref := _REF.fullmatch(corner):
            return int(ref.group(2)), column_number(ref.group(1))
    return None


def _count_shared_strings(chunks: Iterator[bytes], name: str, limits: ReadLimits) -> None:
    allowed = limits.shared_strings_allowed
    count = 0
    for data in _complete_tags(chunks, name):
        count += len(_SHARED_STRING.findall(data))
        if count > allowed:
            raise _refuse(
                name,
                f"the workbook shares more than {allowed:,} texts; {limits.table} may have at most "
                f"{limits.max_rows:,} {limits.rows_are} (save the table as CSV, or split it)",
            )


def _parsed_parts(archive: zipfile.ZipFile, sheet: str) -> list[str]:
    """The XML parts openpyxl parses when it opens the workbook (the other sheets are read
    only when asked for, and pictures never)."""
    return [
        info.filename
        for info in archive.infolist()
        if info.filename.endswith((".xml", ".rels"))
        and info.filename != sheet
        and not info.filename.startswith(("xl/worksheets/", "xl/chartsheets/"))
    ]


def check_xlsx_bounds(content: bytes | IO[bytes], name: str, limits: ReadLimits) -> None:
    """Refuse a workbook that unpacks to more than the limits, shares more texts than a table
    may hold, or whose first sheet declares or reaches more rows, columns or cells than the
    table may have, before anything reads it; the reading stops at the first limit passed."""
    import io

    try:
        archive = zipfile.ZipFile(io.BytesIO(content) if isinstance(content, bytes) else content)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _unreadable(name) from None
    with archive:
        if len(archive.infolist()) > _MAX_PARTS:
            raise _refuse(
                name,
                f"the workbook has {len(archive.infolist()):,} parts; a table's has "
                f"a few dozen (save the table again as .xlsx, or as CSV)",
            )
        unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > limits.max_xlsx_unpacked_bytes:
            raise _refuse(
                name,
                f"the workbook unpacks to {unpacked:,} bytes; the limit is "
                f"{limits.max_xlsx_unpacked_bytes:,} (save the table as CSV, or split it)",
            )
        sheet = _first_sheet_path(archive, name)
        for part in _parsed_parts(archive, sheet):
            declared_bytes = archive.getinfo(part).file_size
            if declared_bytes > limits.max_xlsx_part_bytes:
                raise _refuse(
                    name,
                    f"the workbook's part {part} unpacks to {declared_bytes:,} bytes; "
                    f"the limit is {limits.max_xlsx_part_bytes:,} (save the table as CSV)",
                )
            chunks = _chunks(archive, part, limits.max_xlsx_part_bytes, name)
            if part.endswith("sharedStrings.xml"):
                _count_shared_strings(chunks, name, limits)
            else:
                for _ in chunks:
                    pass
        try:
            declared = _declared(archive, sheet)
        except KeyError:
            raise _unreadable(name, "its first sheet is missing") from None
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
            raise _unreadable(name) from None
        if declared is not None:
            _refuse_beyond(name, "declares", declared[0], declared[1], True, limits)
        extent = _scan_sheet(_chunks(archive, sheet, limits.max_xlsx_unpacked_bytes, name), name, limits)
        _refuse_beyond(name, "holds", extent.rows, extent.columns, extent.complete, limits)


def _refuse_beyond(name: str, what: str, rows: int, columns: int, complete: bool, limits: ReadLimits) -> None:
    if (
        rows <= limits.max_rows + 1
        and columns <= limits.max_columns
        and rows * columns <= limits.cells_allowed
    ):
        return
    at_least = "" if complete else "at least "
    within_each = rows <= limits.max_rows + 1 and columns <= limits.max_columns
    cells = f", {limits.cells_allowed:,} cells in all (every row as wide as the widest)"
    raise _refuse(
        name,
        f"the first sheet {what} {at_least}{rows:,} rows and {columns:,} columns; {limits.table} "
        f"may have at most {limits.max_rows:,} {limits.rows_are} and {limits.max_columns:,} "
        f"columns{cells if within_each else ''}",
    )
