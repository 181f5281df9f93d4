"""Reading what was actually enrolled (CSV, XLSX or JSON rows) against a plan's villages.

The shape BPJS branch offices and village offices report: one row per village and month, the
village's Kemendagri code, the month, and the new enrolments of that month, as a total or per
group (and per package where known). Files are read as the village table is (UTF-8 or
Windows-1252, comma or semicolon separated, XLSX first sheet, Indonesian headers), and refused
whole, with the file, row and column of every problem.

Columns (case-insensitive; spaces and hyphens read as `_`):

- `village_code` (`Kode Desa`, `Kode Wilayah`, ...): required, a code of the plan's table;
- `month` (`Bulan`, `Periode`): `2026-06`, `2026-06-01`, `06/2026`, `Juni 2026`, or a month
  number 1..12 of the plan's first year; optional when the through month is given, and then every
  row counts as enrolled in the plan's first month;
- `enrolled_<group>` / `new_<group>` / `terdaftar_<group>` / `peserta_baru_<group>` / `<group>`:
  new enrolments of a group, package not reported;
- `<group>_<package>` (`petani_JKK-JKM`, also with one of the prefixes above): of a group in a package;
- `new_enrollments` (`Peserta Baru`, `Jumlah Peserta Baru`, `Total`): the village's total; beside
  group columns it must equal their sum.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from models import (
    NOT_REPORTED,
    Actuals,
    ActualsError,
    ActualsRow,
    InputError,
    InputIssue,
    Scenario,
    VillageTable,
    VillageTableError,
)
from models.village import MAX_WORKERS
from scenarios import village_reader
from scenarios.files import Source, open_source
from scenarios.limits import ReadLimits
from scenarios.numbers import cell_text, parse_numbers
from scenarios.village_table import GROUP_ALIASES, MAX_ISSUES, RawTable, normalise_column_name

MONTH_COLUMNS = {"month", "bulan", "periode", "bulan_laporan", "bulan_pendaftaran", "period"}
TOTAL_COLUMNS = {
    "new_enrollments",
    "new_enrolments",
    "peserta_baru",
    "jumlah_peserta_baru",
    "total",
    "jumlah",
    "total_peserta_baru",
}
COUNT_PREFIXES = ("enrolled_", "new_", "peserta_baru_", "baru_")
MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        [
            ("januari", "january", "jan"),
            ("februari", "february", "feb", "pebruari"),
            ("maret", "march", "mar"),
            ("april", "apr"),
            ("mei", "may"),
            ("juni", "june", "jun"),
            ("juli", "july", "jul"),
            ("agustus", "august", "agu", "aug", "agt"),
            ("september", "sep", "sept"),
            ("oktober", "october", "okt", "oct"),
            ("november", "nov", "nop"),
            ("desember", "december", "des", "dec"),
        ],
        start=1,
    )
    for name in names
}


@dataclass(frozen=True)
class PlanFrame:
    """What actuals are read against: the plan's villages (code -> uninsured workers by group,
    when the village table is known), groups, packages, horizon and first month."""

    villages: dict[str, dict[str, int] | None]
    groups: list[str]
    packages: list[str]
    horizon_months: int
    start_year: int | None = None  # None: the earliest year the report names
    start_month: int = 1  # the plan's first calendar month
    through_month: int | None = None  # months of the horizon past; None: the report's last


def plan_frame(
    table: VillageTable, scenario: Scenario, through_month: int | None, start: str | None
) -> PlanFrame:
    """What the actuals are read against; `start` is the plan's first month (YYYY-MM or 1..12),
    the scenario's own (`fiscal_year`, `start_month`) where it has one."""
    year, month = None, 1
    if start:
        text = start.strip()
        try:
            if "-" in text:
                year_text, month_text = text.split("-", 1)
                year, month = int(year_text), int(month_text)
            else:
                month = int(text)
        except ValueError:
            month = 0
        if not 1 <= month <= 12 or (year is not None and not 2000 <= year <= 2100):
            raise InputError(
                [InputIssue(field="start", message=f"'{start}' is not a month: YYYY-MM or 1..12")],
                title="The options were refused",
            )
    if scenario.fiscal_year is not None:
        # the scenario has a calendar: its first month is the plan's, and a start must agree
        first = f"{scenario.fiscal_year:04d}-{scenario.start_month:02d}"
        if start and (month != scenario.start_month or year not in (None, scenario.fiscal_year)):
            raise InputError(
                [
                    InputIssue(
                        field="start",
                        message=f"'{start}': the scenario's months start in {first} "
                        "(its fiscal_year and start_month); leave the start out or give that month",
                    )
                ],
                title="The options were refused",
            )
        year, month = scenario.fiscal_year, scenario.start_month
    horizon = sum(scenario.year_months())  # a multi-year plan's months run over every year
    if through_month is not None and not 1 <= through_month <= horizon:
        raise InputError(
            [
                InputIssue(
                    field="through_month",
                    message=f"must be a month of the plan's horizon, 1..{horizon}",
                )
            ],
            title="The options were refused",
        )
    return PlanFrame(
        villages={v.village_code: dict(v.uninsured) for v in table.villages},
        groups=list(table.groups),
        packages=[p.code for p in scenario.packages],
        horizon_months=horizon,
        start_year=year,
        start_month=month,
        through_month=through_month,
    )


@dataclass
class _Issues:
    name: str
    found: list[tuple[int, int, InputIssue]] = field(default_factory=list)

    def add(self, row: int | None, column: str | None, order: int, message: str) -> None:
        issue = InputIssue(file=self.name, row=row, column=column, message=message)
        self.found.append((row or 0, order, issue))

    def raise_if_any(self) -> None:
        if not self.found:
            return
        self.found.sort(key=lambda item: (item[0], item[1]))
        issues = [issue for _, _, issue in self.found[:MAX_ISSUES]]
        if len(self.found) > MAX_ISSUES:
            issues.append(
                InputIssue(
                    file=self.name, message=f"... and {len(self.found) - MAX_ISSUES} more problems not listed"
                )
            )
        raise ActualsError(issues)


def read_actuals(
    source: Source, frame: PlanFrame, filename: str | None = None, limits: ReadLimits | None = None
) -> Actuals:
    """Read and validate an actuals file (CSV or XLSX) against a plan. Raises ActualsError
    naming the file, row and column of every problem. The rows are bounded by the plan: a row
    per village and month of its horizon at most (and never beyond `limits`)."""
    try:
        with open_source(source, filename, ActualsError) as (stream, name):
            raw = village_reader.raw_cells(stream, name, report_limits(frame, limits))
    except VillageTableError as exc:
        raise ActualsError(exc.issues) from None
    return actuals_from_raw(raw, frame)


def report_limits(frame: PlanFrame, limits: ReadLimits | None = None) -> ReadLimits:
    """The reading limits of an actuals report against a plan: a row per village and month of
    the plan's horizon at most, the villages no more than `limits` allow."""
    limits = limits or ReadLimits()
    villages = min(limits.max_rows, max(1, len(frame.villages)))
    rows = villages * max(1, frame.horizon_months)
    return dataclasses.replace(
        limits.with_max_rows(rows),
        table="an actuals report of this plan",
        rows_are="rows (a row per village and month)",
    )


def actuals_from_rows(rows: Any, frame: PlanFrame, source: str = "rows") -> Actuals:
    """Validate actuals given as JSON rows (one object per village and month); issues name the
    row by its 1-based position in the list."""
    if not isinstance(rows, list) or not rows:
        raise ActualsError([InputIssue(file=source, message="rows must be a non-empty list of objects")])
    bad = [
        InputIssue(file=source, row=i + 1, message="a row must be an object of column: value")
        for i, row in enumerate(rows)
        if not isinstance(row, dict)
    ]
    if bad:
        raise ActualsError(bad[:MAX_ISSUES])
    header = list(dict.fromkeys(str(key) for row in rows for key in row))
    cells = pd.DataFrame(
        [[row.get(key) for key in header] for row in rows], columns=range(len(header)), dtype=object
    )
    raw = RawTable(name=source, header=header, cells=cells, row_numbers=np.arange(1, len(rows) + 1))
    return actuals_from_raw(raw, frame)


def _package_key(code: str) -> str:
    return re.sub(r"[\s\-]+", "_", code.strip().lower())


def _group_of(word: str, groups: list[str]) -> str | None:
    group = GROUP_ALIASES.get(word, word)
    return group if group in groups else None


def count_column(key: str, groups: list[str], packages: list[str]) -> tuple[str, str] | None | str:
    """(group, package) for a count column, NOT_REPORTED where it names none; a message for a
    column that looks like a count of an unknown group; None for any other column."""
    prefixed = next((key[len(p) :] for p in COUNT_PREFIXES if key.startswith(p)), None)
    rest = key if prefixed is None else prefixed
    group = _group_of(rest, groups)
    if group is not None:
        return group, NOT_REPORTED
    for package in packages:
        suffix = "_" + _package_key(package)
        if rest.endswith(suffix):
            group = _group_of(rest[: -len(suffix)], groups)
            if group is not None:
                return group, package
    if prefixed is not None and prefixed:
        return (
            f"no group '{prefixed}' in the plan (its groups: {', '.join(groups)}; "
            f"packages: {', '.join(packages)})"
        )
    return None


def _month_index(value: object, frame: PlanFrame, start_year: int | None) -> int | str | None:
    """The month of the horizon (1 = the plan's first), a message when it is not a month, None
    when empty."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    year: int | None
    if isinstance(value, datetime | date):
        year, month = value.year, value.month
    elif isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        if not np.isfinite(float(value)) or float(value) != int(value) or not 1 <= int(value) <= 12:
            return f"'{value}' is not a month: 1..12, or e.g. 2026-06"
        year, month = None, int(value)
    else:
        text = str(value).strip().lower()
        if not text:
            return None
        parsed = _parse_month_text(text)
        if parsed is None:
            return f"'{value}' is not a month: e.g. 2026-06, 06/2026, Juni 2026 or 6"
        year, month = parsed
    if year is not None and not 2000 <= year <= 2100:
        return f"'{value}': the year {year} is not a plan's year"
    if not 1 <= month <= 12:
        return f"'{value}' is not a month: 1..12, or e.g. 2026-06"
    base_year = start_year if start_year is not None else year
    if year is None or base_year is None:
        year = base_year = 0
    return (year - base_year) * 12 + month - frame.start_month + 1


def _parse_month_text(text: str) -> tuple[int | None, int] | None:
    patterns = (
        (r"(\d{4})[-/.](\d{1,2})(?:[-/.]\d{1,2})?(?:[ t].*)?", (1, 2)),
        (r"(\d{1,2})[-/.](\d{4})", (2, 1)),
    )
    for pattern, (y, m) in patterns:
        match = re.fullmatch(pattern, text)
        if match:
            return int(match.group(y)), int(match.group(m))
    if re.fullmatch(r"\d{1,2}", text):
        return None, int(text)
    match = re.fullmatch(r"([a-z]+)[\s\-/.']*(\d{4})?", text)
    if match and match.group(1) in MONTH_NAMES:
        return (int(match.group(2)) if match.group(2) else None), MONTH_NAMES[match.group(1)]
    return None


def _years(values: list[object]) -> list[int]:
    years = []
    for value in values:
        if isinstance(value, datetime | date):
            years.append(value.year)
        elif isinstance(value, str):
            parsed = _parse_month_text(value.strip().lower())
            if parsed is not None and parsed[0] is not None:
                years.append(parsed[0])
    return years


def _code(text: str) -> str | None:
    digits = text.replace(".", "")
    dotted_ok = len(text) == 10 or (len(text) == 13 and all(text[i] == "." for i in (2, 5, 8)))
    if len(digits) != 10 or not digits.isdigit() or not dotted_ok:
        return None
    return f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}"


def actuals_from_raw(raw: RawTable, frame: PlanFrame) -> Actuals:
    issues = _Issues(raw.name)
    code_at = month_at = total_at = None
    counts: dict[int, tuple[str, str]] = {}
    seen: dict[str, str] = {}
    for position, written in enumerate(raw.header):
        key = normalise_column_name(written)
        if not key:
            continue
        meaning: str | tuple[str, str] | None
        if key == "village_code":
            meaning = "village_code"
        elif key in MONTH_COLUMNS:
            meaning = "month"
        elif key in TOTAL_COLUMNS:
            meaning = "total"
        else:
            found = count_column(key, frame.groups, frame.packages)
            if isinstance(found, str):
                issues.add(1, written, position, found)
                continue
            meaning = found
        if meaning is None:
            continue  # village names, kecamatan, notes: read by people, not by us
        label = meaning if isinstance(meaning, str) else f"{meaning[0]}/{meaning[1]}"
        if label in seen:
            issues.add(1, written, position, f"the column appears twice (also as '{seen[label]}')")
            continue
        seen[label] = written
        if meaning == "village_code":
            code_at = position
        elif meaning == "month":
            month_at = position
        elif meaning == "total":
            total_at = position
        else:
            assert isinstance(meaning, tuple)
            counts[position] = meaning
    if code_at is None:
        issues.add(None, "village_code", -1, "missing column (or 'Kode Desa')")
    if month_at is None and frame.through_month is None:
        issues.add(
            None,
            "month",
            -1,
            "missing column (or 'Bulan'): without it, give the month the report runs through",
        )
    if total_at is None and not counts:
        issues.add(
            None,
            "new_enrollments",
            -1,
            "no count column: give 'new_enrollments' (or 'Peserta Baru'), or one column per "
            f"group such as 'enrolled_{frame.groups[0] if frame.groups else 'farmers'}'",
        )
    issues.raise_if_any()
    assert code_at is not None
    if len(raw.cells) == 0:
        raise ActualsError([InputIssue(file=raw.name, message="the file has no rows of actuals")])
    return _rows(raw, frame, issues, code_at, month_at, total_at, counts)


def _rows(
    raw: RawTable,
    frame: PlanFrame,
    issues: _Issues,
    code_at: int,
    month_at: int | None,
    total_at: int | None,
    counts: dict[int, tuple[str, str]],
) -> Actuals:
    header = raw.header
    row_numbers = [int(r) for r in raw.row_numbers]
    codes_text = cell_text(raw.cells[code_at].reset_index(drop=True)).tolist()

    def numbers(position: int) -> np.ndarray:
        column = raw.cells[position].reset_index(drop=True)
        parsed = parse_numbers(column, "count")
        written = header[position]
        for i in np.flatnonzero(parsed.invalid | (parsed.fractional & ~parsed.negative)):
            issues.add(
                row_numbers[i],
                written,
                position,
                f"'{str(column.iloc[i]).strip()}' is not a whole number of workers",
            )
        for i in np.flatnonzero(parsed.negative):
            issues.add(row_numbers[i], written, position, f"must be >= 0 (got {str(column.iloc[i]).strip()})")
        too_large = np.isfinite(parsed.values) & (parsed.values >= MAX_WORKERS)
        for i in np.flatnonzero(too_large):
            issues.add(row_numbers[i], written, position, f"too large: must be below {MAX_WORKERS:,} workers")
        values = np.where(parsed.empty | ~np.isfinite(parsed.values), 0.0, parsed.values)
        return values.astype(np.int64)

    count_values = {position: numbers(position) for position in counts}
    count_empty = {
        position: parse_numbers(raw.cells[position].reset_index(drop=True), "count").empty
        for position in counts
    }
    total_values = numbers(total_at) if total_at is not None else None
    total_empty = (
        parse_numbers(raw.cells[total_at].reset_index(drop=True), "count").empty
        if total_at is not None
        else None
    )

    months: list[int | None] = [None] * len(row_numbers)
    if month_at is not None:
        month_cells = raw.cells[month_at].reset_index(drop=True).tolist()
        years = _years(month_cells)
        start_year = frame.start_year if frame.start_year is not None else (min(years) if years else None)
        written = header[month_at]
        for i, value in enumerate(month_cells):
            index = _month_index(value, frame, start_year)
            if index is None:
                issues.add(row_numbers[i], written, month_at, "empty: every row needs its month")
                continue
            if isinstance(index, str):
                issues.add(row_numbers[i], written, month_at, index)
                continue
            if index < 1:
                issues.add(row_numbers[i], written, month_at, f"'{value}' is before the plan's first month")
            elif index > frame.horizon_months:
                issues.add(
                    row_numbers[i],
                    written,
                    month_at,
                    f"'{value}' is after the plan's {frame.horizon_months} months",
                )
            elif frame.through_month is not None and index > frame.through_month:
                issues.add(
                    row_numbers[i],
                    written,
                    month_at,
                    f"'{value}' is after the month the report runs through "
                    f"(month {frame.through_month} of the plan)",
                )
            else:
                months[i] = index
    else:
        start_year = frame.start_year

    first_row: dict[tuple[str, int], int] = {}
    taken: dict[str, dict[str, int]] = {}
    rows: list[ActualsRow] = []
    code_column = header[code_at]
    for i, text in enumerate(codes_text):
        row = row_numbers[i]
        code = _code(text)
        if not text:
            issues.add(row, code_column, code_at, "empty: every row needs the village's Kemendagri code")
            continue
        if code is None:
            issues.add(
                row,
                code_column,
                code_at,
                f"'{text}' is not a Kemendagri village code: 10 digits, e.g. 32.16.01.2001",
            )
            continue
        if code not in frame.villages:
            issues.add(row, code_column, code_at, f"village {code} is not in the plan")
            continue
        month = months[i] if month_at is not None else 1
        if month is None:
            continue  # its month was refused above
        if (code, month) in first_row:
            issues.add(
                row,
                header[month_at] if month_at is not None else code_column,
                month_at if month_at is not None else code_at,
                f"village {code} is reported twice for the same month: rows "
                f"{first_row[(code, month)]} and {row}",
            )
            continue
        first_row[(code, month)] = row
        enrollments: dict[str, dict[str, int]] = {}
        for position, (group, package) in counts.items():
            n = int(count_values[position][i])
            if n:
                enrollments.setdefault(group, {})[package] = n
        by_groups = sum(n for packages in enrollments.values() for n in packages.values())
        if total_values is not None and total_empty is not None and not total_empty[i]:
            total = int(total_values[i])
            groups_empty = all(count_empty[position][i] for position in counts)
            if counts and not groups_empty and total != by_groups:
                issues.add(
                    row,
                    header[total_at] if total_at is not None else None,
                    total_at or 0,
                    f"the total {total:,} is not the sum of the group columns ({by_groups:,})",
                )
                continue
            if groups_empty and total:  # a total only: its groups are not reported
                enrollments = {NOT_REPORTED: {NOT_REPORTED: total}}
        _check_uninsured(frame, code, enrollments, taken, row, header, counts, total_at, issues)
        rows.append(ActualsRow(village_code=code, month=month, enrollments=enrollments, row=row))
    issues.raise_if_any()
    through = frame.through_month or max(r.month for r in rows)
    start = (
        f"{start_year:04d}-{frame.start_month:02d}"
        if start_year is not None
        else f"month {frame.start_month}"
    )
    return Actuals(source=raw.name, through_month=through, start=start, rows=rows)


def _check_uninsured(
    frame: PlanFrame,
    code: str,
    enrollments: dict[str, dict[str, int]],
    taken: dict[str, dict[str, int]],
    row: int,
    header: list[str],
    counts: dict[int, tuple[str, str]],
    total_at: int | None,
    issues: _Issues,
) -> None:
    """A village cannot enrol more workers than it has uninsured (summed over its months)."""
    uninsured = frame.villages.get(code)
    if uninsured is None:
        return
    so_far = taken.setdefault(code, {})
    for group, packages in enrollments.items():
        so_far[group] = so_far.get(group, 0) + sum(packages.values())
    for group, n in so_far.items():
        if group == NOT_REPORTED:
            continue
        if n > uninsured.get(group, 0):
            column = next((header[p] for p, (g, _) in counts.items() if g == group), group)
            issues.add(
                row,
                column,
                0,
                f"village {code} reports {n:,} new {group} enrolments; it had "
                f"{uninsured.get(group, 0):,} uninsured",
            )
            so_far[group] = uninsured.get(group, 0)
    everyone = sum(uninsured.values())
    reported = sum(so_far.values())
    if reported > everyone:
        total_column = header[total_at] if total_at is not None else None
        issues.add(
            row,
            total_column,
            0,
            f"village {code} reports {reported:,} new enrolments; it had {everyone:,} uninsured",
        )
