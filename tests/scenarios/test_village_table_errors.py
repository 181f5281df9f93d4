"""Bad village tables are refused whole, with every problem located by file, row and column."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from scenario_helpers import GOOD_ROWS, HEADER, csv_text, write_text

from models import InputIssue, VillageTableError
from scenarios import read_villages, villages_from_rows


def refused(path: Path | bytes, filename: str | None = None) -> list[InputIssue]:
    with pytest.raises(VillageTableError) as caught:
        read_villages(path, filename)
    return caught.value.issues


def located(issues: list[InputIssue]) -> set[tuple[int | None, str | None]]:
    return {(i.row, i.column) for i in issues}


def test_every_bad_cell_is_reported_with_file_row_and_column(tmp_path: Path) -> None:
    rows = [
        "32.16.01.2001,A,K,-5,0,10,0,0",  # row 2: negative rupiah
        "32.16.01.2002,B,K,banyak,0,10,0,0",  # row 3: text for a number
        "32.16.01.2003,,K,100,0,,0,0",  # row 4: empty name, empty uninsured
        "32.16.01.2004,D,K,100,0,12.5,-1,0",  # row 5: fractional and negative workers
        "321601200,E,K,100,0,1,0,0",  # row 6: a 9-digit code
        ",F,K,100,0,1,0,0",  # row 7: no code
    ]
    path = write_text(tmp_path, "bad.csv", csv_text(rows))

    issues = refused(path)

    assert all(issue.file == str(path) for issue in issues)
    assert located(issues) == {
        (2, "dana_desa_idr"),
        (3, "dana_desa_idr"),
        (4, "village_name"),
        (4, "uninsured_farmers"),
        (5, "uninsured_farmers"),
        (5, "enrolled_farmers"),
        (6, "village_code"),
        (7, "village_code"),
    }
    by_place = {(i.row, i.column): i.message for i in issues}
    assert "must be >= 0" in by_place[(2, "dana_desa_idr")]
    assert "'banyak' is not an amount of rupiah" in by_place[(3, "dana_desa_idr")]
    assert "empty" in by_place[(4, "uninsured_farmers")]
    assert "'12.5' is not a whole number" in by_place[(5, "uninsured_farmers")]
    assert "not a Kemendagri village code" in by_place[(6, "village_code")]
    # in file order
    assert [i.row for i in issues] == sorted(i.row or 0 for i in issues)


def test_duplicate_codes_name_both_rows_even_when_written_differently(tmp_path: Path) -> None:
    rows = [*GOOD_ROWS, "3216012001,Again,Tarumajaya,1,0,1,0,0"]

    issues = refused(write_text(tmp_path, "dup.csv", csv_text(rows)))

    assert len(issues) == 1
    assert issues[0].row == 4 and issues[0].column == "village_code"
    assert "32.16.01.2001" in issues[0].message and "rows 2 and 4" in issues[0].message


def test_missing_required_columns_are_all_named(tmp_path: Path) -> None:
    text = "village_code,nama,dana,uninsured_farmers\n3216012001,A,1,1\n"

    issues = refused(write_text(tmp_path, "cols.csv", text))

    assert {i.column for i in issues} == {"village_name", "kecamatan", "dana_desa_idr"}
    assert all("missing column" in i.message for i in issues)


def test_a_table_without_uninsured_columns(tmp_path: Path) -> None:
    text = "village_code,village_name,kecamatan,dana_desa_idr,enrolled_farmers\n3216012001,A,K,1,1\n"

    issues = refused(write_text(tmp_path, "groups.csv", text))

    messages = {i.column: i.message for i in issues}
    assert "no 'uninsured_' column" in messages["uninsured_<group>"]
    assert "no matching column 'uninsured_farmers'" in messages["enrolled_farmers"]


def test_enrolled_without_uninsured(tmp_path: Path) -> None:
    text = (
        "village_code,village_name,kecamatan,dana_desa_idr,uninsured_farmers,Enrolled_Fishers\n"
        "3216012001,A,K,1,1,1\n"
    )

    issues = refused(write_text(tmp_path, "enr.csv", text))

    assert located(issues) == {(None, "Enrolled_Fishers")}


def test_a_column_given_twice(tmp_path: Path) -> None:
    text = (
        "village_code,village_name,kecamatan,district,dana_desa_idr,uninsured_farmers\n3216012001,A,K,K,1,1\n"
    )

    issues = refused(write_text(tmp_path, "twice.csv", text))

    assert located(issues) == {(1, "district")}


@pytest.mark.parametrize("share", ["1.5", "-0.1", "150%"])
def test_max_share_outside_0_1(tmp_path: Path, share: str) -> None:
    text = (
        "village_code,village_name,kecamatan,dana_desa_idr,uninsured_farmers,max_share\n"
        f"3216012001,A,K,1,1,{share}\n"
    )

    issues = refused(write_text(tmp_path, "share.csv", text))

    assert located(issues) == {(2, "max_share")}
    assert "between 0 and 1" in issues[0].message


def test_negative_priority_and_text_priority(tmp_path: Path) -> None:
    text = (
        "village_code,village_name,kecamatan,dana_desa_idr,uninsured_farmers,priority\n"
        "3216012001,A,K,1,1,-2\n"
        "3216012002,B,K,1,1,tinggi\n"
    )

    issues = refused(write_text(tmp_path, "prio.csv", text))

    assert located(issues) == {(2, "priority"), (3, "priority")}


def test_kabupaten_named_on_some_rows_only(tmp_path: Path) -> None:
    text = (
        "village_code,village_name,kecamatan,kabupaten,dana_desa_idr,uninsured_farmers\n"
        "3216012001,A,K,Kabupaten Bekasi,1,1\n"
        "3216012002,B,K,,1,1\n"
    )

    issues = refused(write_text(tmp_path, "kab.csv", text))

    assert located(issues) == {(3, "kabupaten")}


@pytest.mark.parametrize("content", [b"", b"  \n\n", b"\xef\xbb\xbf"])
def test_an_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)

    issues = refused(path)

    assert [(i.file, i.message) for i in issues] == [(str(path), "the file is empty")]


def test_a_header_without_villages(tmp_path: Path) -> None:
    issues = refused(write_text(tmp_path, "header.csv", HEADER + "\n"))

    assert issues[0].message == "the table has no villages"


def test_an_xlsx_that_is_not_an_xlsx(tmp_path: Path) -> None:
    fake = write_text(tmp_path, "villages.xlsx", csv_text(GOOD_ROWS))
    zipped = tmp_path / "other.xlsx"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")

    for path in (fake, zipped):
        issues = refused(path)
        assert issues[0].file == str(path)
        assert "not a readable XLSX workbook" in issues[0].message


def test_a_file_that_is_neither_utf8_nor_windows_1252_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "binary.csv"
    path.write_bytes(csv_text(GOOD_ROWS).encode() + b"32.16.01.2003,Bad \x81\x8d,K,1,0,1,0,0\n")

    issues = refused(path)

    assert issues[0].row == 4 and "neither UTF-8 nor Windows-1252" in issues[0].message


def test_a_row_with_too_many_cells(tmp_path: Path) -> None:
    issues = refused(write_text(tmp_path, "ragged.csv", csv_text([*GOOD_ROWS, "1,2,3,4,5,6,7,8,9"])))

    assert "line 4" in issues[0].message


def test_a_missing_file(tmp_path: Path) -> None:
    issues = refused(tmp_path / "nowhere.csv")

    assert issues[0].message == "no such file"


def test_many_bad_rows_are_capped_with_a_count(tmp_path: Path) -> None:
    rows = [f"32.16.01.{2000 + i},A,K,x,0,1,0,0" for i in range(1, 301)]

    issues = refused(write_text(tmp_path, "many.csv", csv_text(rows)))

    assert len(issues) == 201
    assert [i.row for i in issues[:200]] == list(range(2, 202))
    assert issues[-1].message == "... and 100 more problems not listed"


def test_json_rows_name_the_row_position() -> None:
    rows = [
        {
            "village_code": "3216012001",
            "village_name": "A",
            "kecamatan": "K",
            "dana_desa_idr": 1,
            "uninsured_farmers": 1,
        },
        {
            "village_code": "3216012002",
            "village_name": "B",
            "kecamatan": "K",
            "dana_desa_idr": -1,
            "uninsured_farmers": True,
        },
    ]

    with pytest.raises(VillageTableError) as caught:
        villages_from_rows(rows, source="request")

    assert {(i.file, i.row, i.column) for i in caught.value.issues} == {
        ("request", 2, "dana_desa_idr"),
        ("request", 2, "uninsured_farmers"),
    }


def test_json_rows_that_are_not_objects() -> None:
    with pytest.raises(VillageTableError) as caught:
        villages_from_rows([{"village_code": "3216012001"}, "row"])  # type: ignore[list-item]

    assert [(i.row, i.message) for i in caught.value.issues] == [
        (2, "a row must be an object of column: value")
    ]
