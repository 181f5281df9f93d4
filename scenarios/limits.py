"""How much a reader takes in before it refuses: rows and columns of a village table, the size
an XLSX unpacks to and the cells it declares, packages and groups of a scenario.

The defaults hold the national table (about 84,000 villages) with room to spare; the service
passes its own settings. An XLSX is measured before pandas and openpyxl see it: a workbook of a
few kilobytes may declare a cell at XFD1048576, and reading it would fill memory with empty cells.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from typing import IO

from models import InputIssue, VillageTableError


@dataclass(frozen=True)
class ReadLimits:
    max_rows: int = 200_000  # villages in one table
    max_columns: int = 200  # columns of a village table (6 groups use 22)
    max_xlsx_unpacked_bytes: int = 512 * 1024 * 1024  # what the workbook's parts unpack to
    max_packages: int = 50  # packages in one scenario
    max_groups: int = 100  # groups named in a scenario's weights or floors


_NS = {
    "main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}
_SMALL_PART_BYTES = 16 * 1024 * 1024  # workbook.xml and its relationships are small
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([A-Z0-9:$]+)"')
_REF = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]{1,7})")
_CHUNK = 1024 * 1024


def column_number(letters: str) -> int:
    """A1-style column letters as a 1-based number: A -> 1, XFD -> 16384."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _refuse(name: str, message: str) -> VillageTableError:
    return VillageTableError([InputIssue(file=name, message=message)])


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
        raise _refuse(name, "not a readable XLSX workbook (save it again as .xlsx)") from None
    raise _refuse(name, "not a readable XLSX workbook: its first sheet is missing")


def _small_part(archive: zipfile.ZipFile, part: str, name: str) -> bytes:
    try:
        info = archive.getinfo(part)
    except KeyError:
        raise _refuse(name, "not a readable XLSX workbook (save it again as .xlsx)") from None
    if info.file_size > _SMALL_PART_BYTES:
        raise _refuse(name, f"not a readable XLSX workbook: {part} is {info.file_size:,} bytes")
    return archive.read(part)


def _scan_cells(stream: IO[bytes]) -> tuple[tuple[int, int] | None, int, int]:
    """The declared dimension's far corner (rows, columns) if any, and the largest row and
    column any cell names, read in chunks so a big sheet is never held whole."""
    declared: tuple[int, int] | None = None
    max_row = max_column = 0
    tail = b""
    while chunk := stream.read(_CHUNK):
        data = tail + chunk
        if declared is None and (found := _DIMENSION.search(data)):
            corner = found.group(1).decode().split(":")[-1]
            if ref := _REF.fullmatch(corner):
                declared = (int(ref.group(2)), column_number(ref.group(1)))
        last_end = 0
        for match in _CELL_REF.finditer(data):
            max_column = max(max_column, column_number(match.group(1).decode()))
            max_row = max(max_row, int(match.group(2)))
            last_end = match.end()
        # keep what may hold a cell reference cut in two by the chunk's end
        tail = data[max(last_end, len(data) - 256) :]
    return declared, max_row, max_column


def check_xlsx_bounds(content: bytes, name: str, limits: ReadLimits) -> None:
    """Refuse a workbook that unpacks to more than the limit, or whose first sheet declares or
    holds more rows or columns than a village table may have, before anything reads it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refuse(name, "not a readable XLSX workbook (save it again as .xlsx)") from None
    with archive:
        unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > limits.max_xlsx_unpacked_bytes:
            raise _refuse(
                name,
                f"the workbook unpacks to {unpacked:,} bytes; the limit is "
                f"{limits.max_xlsx_unpacked_bytes:,} (save the table as CSV, or split it)",
            )
        sheet = _first_sheet_path(archive, name)
        try:
            with archive.open(sheet) as stream:
                declared, max_row, max_column = _scan_cells(stream)
        except KeyError:
            raise _refuse(name, "not a readable XLSX workbook: its first sheet is missing") from None
        except (zipfile.BadZipFile, OSError, EOFError, ValueError):
            raise _refuse(name, "not a readable XLSX workbook (save it again as .xlsx)") from None
    rows_allowed = limits.max_rows + 1  # the header row too
    for what, (rows, columns) in (("declares", declared or (0, 0)), ("holds", (max_row, max_column))):
        if rows > rows_allowed or columns > limits.max_columns:
            raise _refuse(
                name,
                f"the first sheet {what} {rows:,} rows and {columns:,} columns; a village table "
                f"may have at most {limits.max_rows:,} villages and {limits.max_columns:,} columns",
            )
