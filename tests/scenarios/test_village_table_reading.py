"""Reading good village tables in the forms planners actually write them."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from scenario_helpers import GOOD_ROWS, csv_text, write_text

from models import DEFAULT_KABUPATEN, VillageTableError
from scenarios import read_villages, villages_from_rows


def test_comma_and_semicolon_tables_read_the_same(tmp_path: Path) -> None:
    comma = read_villages(write_text(tmp_path, "comma.csv", csv_text(GOOD_ROWS)))
    semicolon = read_villages(write_text(tmp_path, "semi.csv", csv_text(GOOD_ROWS, sep=";")))

    assert comma.groups == ["farmers", "fishers"]
    assert comma.villages == semicolon.villages
    first = comma.villages[0]
    assert first.village_code == "32.16.01.2001"
    assert first.dana_desa_idr == 1_580_000_000
    assert first.add_idr == 900_000_000
    assert first.uninsured == {"farmers": 120, "fishers": 30}
    assert first.enrolled == {"farmers": 10, "fishers": 0}
    assert first.priority == 1.0 and first.max_share is None
    assert first.kabupaten == DEFAULT_KABUPATEN
    assert comma.source == str(tmp_path / "comma.csv")


def test_a_tab_separated_export_reads_too(tmp_path: Path) -> None:
    table = read_villages(write_text(tmp_path, "tab.tsv", csv_text(GOOD_ROWS, sep="\t")))

    assert [v.uninsured for v in table.villages] == [
        {"farmers": 120, "fishers": 30},
        {"farmers": 80, "fishers": 0},
    ]


def test_semicolon_table_with_decimal_commas(tmp_path: Path) -> None:
    text = (
        "village_code;village_name;kecamatan;dana_desa_idr;uninsured_farmers;priority;max_share\n"
        "3216012001;Sagara Makmur;Tarumajaya;1.580.000.000,00;1.234;1,5;0,05\n"
    )
    table = read_villages(write_text(tmp_path, "id.csv", text))

    village = table.villages[0]
    assert village.dana_desa_idr == 1_580_000_000
    assert village.uninsured == {"farmers": 1234}
    assert village.priority == 1.5
    assert village.max_share == 0.05


def test_utf8_bom_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_text(GOOD_ROWS).encode("utf-8"))

    table = read_villages(path)

    assert [v.village_code for v in table.villages] == ["32.16.01.2001", "32.16.01.2002"]


def test_dotted_and_undotted_codes_are_the_same_code(tmp_path: Path) -> None:
    rows = [
        "3216012001,A,Tarumajaya,1,0,1,0,0",
        " 32.16.01.2002 ,B,Tarumajaya,1,0,1,0,0",
    ]
    table = read_villages(write_text(tmp_path, "codes.csv", csv_text(rows)))

    assert [v.village_code for v in table.villages] == ["32.16.01.2001", "32.16.01.2002"]


@pytest.mark.parametrize(
    ("written", "rupiah"),
    [
        ("1580000000", 1_580_000_000),
        ("1.580.000.000", 1_580_000_000),
        ("Rp1.580.000.000", 1_580_000_000),
        ('"Rp 1.580.000.000,00"', 1_580_000_000),
        ('"1,580,000,000"', 1_580_000_000),
        ('"Rp1.580.000.000,-"', 1_580_000_000),
        ("IDR 1580000000", 1_580_000_000),
        ("1.580", 1_580),
        ("1234.5", 1234.5),
        ('"1.580.000,5"', 1_580_000.5),
        ("Rp1.580.000.000", 1_580_000_000),
        ("0", 0),
    ],
)
def test_every_rupiah_form(tmp_path: Path, written: str, rupiah: float) -> None:
    text = (
        f"village_code,village_name,kecamatan,dana_desa_idr,uninsured_farmers\n3216012001,A,K,{written},5\n"
    )

    table = read_villages(write_text(tmp_path, "rp.csv", text))

    assert table.villages[0].dana_desa_idr == rupiah


@pytest.mark.parametrize(
    ("written", "workers"),
    [("1234", 1234), ("1.234", 1234), ('"1,234"', 1234), ("12.0", 12), ("0", 0)],
)
def test_worker_count_forms(tmp_path: Path, written: str, workers: int) -> None:
    text = (
        f"village_code,village_name,kecamatan,dana_desa_idr,uninsured_farmers\n3216012001,A,K,0,{written}\n"
    )

    table = read_villages(write_text(tmp_path, "n.csv", text))

    assert table.villages[0].uninsured == {"farmers": workers}


def test_headers_are_case_insensitive_trimmed_and_district_means_kecamatan(
    tmp_path: Path,
) -> None:
    text = (
        " Village_Code ,VILLAGE NAME,District,Dana_Desa_IDR,Uninsured_Farmers,Enrolled_FARMERS\n"
        "3216012001,Sagara Makmur,Tarumajaya,100,5,2\n"
    )
    table = read_villages(write_text(tmp_path, "case.csv", text))

    village = table.villages[0]
    assert village.kecamatan == "Tarumajaya"
    assert village.village_name == "Sagara Makmur"
    assert table.groups == ["farmers"]
    assert village.enrolled == {"farmers": 2}


def test_unknown_columns_blank_lines_and_kabupaten(tmp_path: Path) -> None:
    text = (
        "village_code,village_name,kecamatan,kabupaten,kind,dana_desa_idr,uninsured_farmers\n"
        "\n"
        "32.16.01.2001,A,Tarumajaya, Kabupaten Bekasi ,desa,100,5\n"
        "32.17.01.2001,B,Lemahabang,32.15,desa,100,5\n"
    )
    table = read_villages(write_text(tmp_path, "kab.csv", text))

    # a Kemendagri code is read as the kabupaten's official name
    assert [v.kabupaten for v in table.villages] == ["Kabupaten Bekasi", "Kabupaten Karawang"]
    assert table.kabupaten == ["Kabupaten Bekasi", "Kabupaten Karawang"]


def test_xlsx_first_sheet(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(
        [
            "Village_Code",
            "village_name",
            "district",
            "dana_desa_idr",
            "add_idr",
            "uninsured_farmers",
            "max_share",
            "priority",
        ]
    )
    sheet.append([3216012001, "Sagara Makmur", "Tarumajaya", 1580000000, "Rp 900.000.000", 12, 0.05, 1.5])
    sheet.append(["32.16.01.2002", "Segarajaya", "Tarumajaya", 1234.567, None, "1.234", None, None])
    workbook.create_sheet("other").append(["ignored"])
    path = tmp_path / "villages.xlsx"
    workbook.save(path)

    table = read_villages(path)

    first, second = table.villages
    assert first.village_code == "32.16.01.2001"
    assert first.dana_desa_idr == 1_580_000_000 and first.add_idr == 900_000_000
    assert first.max_share == 0.05 and first.priority == 1.5
    # a number cell is a number: 1234.567 rupiah is not read as thousands
    assert second.dana_desa_idr == 1234.567 and second.add_idr == 0
    assert second.uninsured == {"farmers": 1234}
    assert second.max_share is None and second.priority == 1.0


def test_xlsx_upload_as_bytes_is_recognised_without_a_name() -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(
        ["village_code", "village_name", "kecamatan", "dana_desa_idr", "uninsured_farmers"]
    )
    workbook.active.append(["3216012001", "A", "K", 5, 1])
    buffer = io.BytesIO()
    workbook.save(buffer)

    table = read_villages(buffer.getvalue())

    assert table.source == "upload"
    assert table.villages[0].dana_desa_idr == 5


def test_csv_upload_as_bytes_with_a_filename() -> None:
    table = read_villages(csv_text(GOOD_ROWS).encode(), filename="desa.csv")

    assert table.source == "desa.csv"
    assert len(table.villages) == 2


def test_json_rows_follow_the_same_rules() -> None:
    rows = [
        {
            "Village_Code": "3216012001",
            "village_name": "A",
            "district": "K",
            "dana_desa_idr": "Rp1.580.000.000",
            "uninsured_farmers": 10,
            "enrolled_farmers": None,
        },
        {
            "village_code": "32.16.01.2002",
            "village_name": "B",
            "kecamatan": "K",
            "dana_desa_idr": 2.5e9,
            "uninsured_farmers": "1.000",
            "max_share": 0.1,
        },
    ]

    table = villages_from_rows(rows)

    first, second = table.villages
    assert first.dana_desa_idr == 1_580_000_000 and first.enrolled == {"farmers": 0}
    assert second.uninsured == {"farmers": 1000} and second.max_share == 0.1
    assert first.max_share is None
    assert table.source == "rows"


def test_kabupaten_given_by_code_and_by_name_are_one_kabupaten(tmp_path) -> None:
    path = tmp_path / "desa.csv"
    path.write_text(
        "village_code,village_name,kecamatan,kabupaten,dana_desa_idr,uninsured_farmers\n"
        "32.16.01.2001,Sagara Makmur,Tarumajaya,32.16,1000000000,100\n"
        "32.16.01.2002,Segarajaya,Tarumajaya,kabupaten bekasi,1000000000,100\n"
        "32.16.01.2003,Pantai Makmur,Tarumajaya,3216,1000000000,100\n"
    )
    table = read_villages(path)
    assert table.kabupaten == ["Kabupaten Bekasi"]


def test_a_kabupaten_name_beside_codes_must_be_the_official_one(tmp_path) -> None:
    path = tmp_path / "desa.csv"
    path.write_text(
        "village_code,village_name,kecamatan,kabupaten,dana_desa_idr,uninsured_farmers\n"
        "32.16.01.2001,Sagara Makmur,Tarumajaya,32.16,1000000000,100\n"
        "32.16.01.2002,Segarajaya,Tarumajaya,Bekasi,1000000000,100\n"
        "32.16.01.2003,Pantai Makmur,Tarumajaya,99.99,1000000000,100\n"
    )
    with pytest.raises(VillageTableError) as refused:
        read_villages(path)
    issues = {(i.row, i.column): i.message for i in refused.value.issues}
    assert "official name" in issues[(3, "kabupaten")]
    assert "no Kemendagri code" in issues[(4, "kabupaten")]
