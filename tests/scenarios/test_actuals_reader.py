"""Reading actuals as the BPJS branch and village offices report them, and refusing bad files
with the file, row and column of every problem."""

from __future__ import annotations

import io

import openpyxl
import pytest

from models import NOT_REPORTED, ActualsError
from scenarios.actuals_reader import PlanFrame, actuals_from_rows, read_actuals

FRAME = PlanFrame(
    villages={
        "32.16.01.2001": {"farmers": 40, "village_officials": 12},
        "32.16.01.2002": {"farmers": 30, "village_officials": 10},
    },
    groups=["farmers", "village_officials"],
    packages=["JKK-JKM", "JKK-JKM-JHT"],
    horizon_months=12,
)


def _issues(content: bytes | str, name: str = "actuals.csv", frame: PlanFrame = FRAME) -> list[tuple]:
    data = content.encode("cp1252") if isinstance(content, str) else content
    with pytest.raises(ActualsError) as refused:
        read_actuals(data, frame, filename=name)
    return [(i.file, i.row, i.column, i.message) for i in refused.value.issues]


def test_indonesian_headers_windows_1252_semicolons_and_months() -> None:
    text = (
        "Kode Desa;Nama Desa;Bulan;Terdaftar Petani;Perangkat Desa JKK-JKM\n"
        "3216012001;Sagara Makmur;Januari 2026;4;10\n"
        "32.16.01.2001;Sagara Makmur;2026-03;2;0\n"
        "32.16.01.2002;Segarajaya ©;06/2026;1;2\n"
    )
    actuals = read_actuals(text.encode("cp1252"), FRAME, filename="laporan.csv")
    assert actuals.through_month == 6 and actuals.start == "2026-01" and actuals.total == 19
    first, second, third = actuals.rows
    assert (first.village_code, first.month, first.row) == ("32.16.01.2001", 1, 2)
    assert first.enrollments == {"farmers": {NOT_REPORTED: 4}, "village_officials": {"JKK-JKM": 10}}
    assert (second.month, second.enrollments) == (3, {"farmers": {NOT_REPORTED: 2}})
    assert third.month == 6


def test_a_plain_total_and_a_plan_start_in_july() -> None:
    frame = PlanFrame(**{**FRAME.__dict__, "start_year": 2026, "start_month": 7})
    actuals = read_actuals(b"village_code,month,new_enrollments\n32.16.01.2001,2026-09,7\n", frame)
    assert actuals.through_month == 3 and actuals.start == "2026-07"
    assert actuals.rows[0].enrollments == {NOT_REPORTED: {NOT_REPORTED: 7}}


def test_without_a_month_column_the_through_month_is_given() -> None:
    frame = PlanFrame(**{**FRAME.__dict__, "through_month": 4})
    actuals = read_actuals(b"kode_desa,enrolled_farmers\n32.16.01.2002,5\n", frame)
    assert actuals.through_month == 4 and actuals.rows[0].month == 1


def test_xlsx_and_json_rows() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Kode Desa", "Bulan", "farmers_JKK-JKM-JHT"])
    sheet.append(["32.16.01.2001", 2, 3])
    buffer = io.BytesIO()
    book.save(buffer)
    actuals = read_actuals(buffer.getvalue(), FRAME, filename="laporan.xlsx")
    assert actuals.rows[0].enrollments == {"farmers": {"JKK-JKM-JHT": 3}} and actuals.through_month == 2
    rows = actuals_from_rows([{"village_code": "32.16.01.2002", "bulan": "2026-05", "petani": 2}], FRAME)
    assert rows.rows[0].enrollments == {"farmers": {NOT_REPORTED: 2}} and rows.through_month == 5


def test_bad_rows_are_refused_with_file_row_and_column() -> None:
    text = (
        "Kode Desa;Bulan;Terdaftar Petani;Peserta Baru\n"
        "32.16.01.2001;2026-02;3;3\n"
        "32.16.99.2001;2026-02;1;1\n"  # not in the plan
        "32.16.01.2001;2026-13;1;1\n"  # no such month
        "32.16.01.2001;2026-02;2;2\n"  # the same village and month again
        "32.16.01.2002;2026-03;-1;\n"  # negative
        "32.16.01.2002;2026-04;2,5;\n"  # not whole
        "32.16.01.2002;2026-05;4;5\n"  # total is not the sum
        "32.16.01.2002;2026-06;31;31\n"  # more than the village's uninsured farmers
        "abc;2026-02;1;1\n"
    )
    issues = _issues(text, "laporan.csv")
    assert all(file == "laporan.csv" for file, *_ in issues)
    found = {(row, column) for _, row, column, _ in issues}
    assert {
        (3, "Kode Desa"),
        (4, "Bulan"),
        (5, "Bulan"),
        (6, "Terdaftar Petani"),
        (7, "Terdaftar Petani"),
        (8, "Peserta Baru"),
        (9, "Terdaftar Petani"),
        (10, "Kode Desa"),
    } <= found
    messages = " ".join(message for *_, message in issues)
    assert "not in the plan" in messages and "reported twice" in messages
    assert "it had 30 uninsured" in messages and "is not the sum" in messages


def test_missing_and_unknown_columns() -> None:
    issues = _issues("Nama Desa;Terdaftar Pilot\nSagara Makmur;3\n")
    columns = {column for _, _, column, _ in issues}
    assert {"Terdaftar Pilot", "village_code", "month"} <= columns
    assert any("no group 'pilot'" in message for *_, message in issues)


def test_months_beyond_the_plan_or_the_through_month() -> None:
    frame = PlanFrame(**{**FRAME.__dict__, "through_month": 3})
    issues = _issues("village_code,month,enrolled_farmers\n32.16.01.2001,2026-05,1\n", frame=frame)
    assert issues[0][1:3] == (2, "month") and "runs through" in issues[0][3]
    frame = PlanFrame(**{**FRAME.__dict__, "start_year": 2026, "start_month": 3})
    issues = _issues("village_code,month,enrolled_farmers\n32.16.01.2001,2026-02,1\n", frame=frame)
    assert "before the plan's first month" in issues[0][3]


def test_empty_and_unreadable_files() -> None:
    assert "empty" in _issues(b"")[0][3]
    assert "XLSX" in _issues(b"PK\x03\x04broken", "laporan.xlsx")[0][3]
