"""The planner's files: targets and comparison workbooks laid out for Indonesian Excel and print,
targets split per office, and the CSV Indonesian Excel opens in columns."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pandas as pd
import pytest
from scenario_helpers import small_plan

from app.i18n import gettext_for
from models import Scenario
from scenarios import (
    split_targets_zip,
    targets_csv_excel_id_bytes,
    targets_frame,
    targets_workbook_bytes,
)
from scenarios.compare import compare_plans, comparison_workbook_bytes

SCENARIO = Scenario.model_validate(
    {
        "name": "Test scenario",
        "packages": [
            {"code": "JKK-JKM", "monthly_premium_idr": 16800},
            {"code": "JKK-JKM-JHT", "monthly_premium_idr": 36800, "value": 1.3},
        ],
        "budget": {"dana_desa_share": 0.03, "apbd_pool_idr": 2_000_000},
        "targets": {"min_coverage": 0.2, "group_min_coverage": {"fishers": 0.5}},
        "integer": True,
    }
)
ABOUT = [("Rencana", 7), ("Dihitung", "2 Des 2026 02.54 WIB")]


def _workbook(lang: str = "id") -> openpyxl.Workbook:
    content = targets_workbook_bytes(small_plan(), gettext_for(lang), SCENARIO, ABOUT, "Rencana 7")  # type: ignore[arg-type]
    return openpyxl.load_workbook(io.BytesIO(content))


def test_targets_workbook_speaks_indonesian_and_prints_well() -> None:
    workbook = _workbook("id")

    assert workbook.sheetnames == ["Target", "Untuk kantor desa", "Kecamatan", "Iuran bulanan", "Parameter"]
    sheet = workbook["Target"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Kode desa", "Nama desa", "Kecamatan", "Peserta baru"]
    assert "petani JKK-JKM" in header and "nelayan JKK-JKM-JHT" in header
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:R4"
    setup = sheet.page_setup  # one page wide (1 is the file format's default), as long as needed
    assert setup.orientation == "landscape" and setup.fitToWidth in (None, 1) and setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows == "$1:$1"
    spend = header.index("Belanja, jumlah (Rp)") + 1
    coverage = header.index("Cakupan sesudah") + 1
    assert sheet.cell(row=2, column=spend).number_format == "#,##0"
    assert sheet.cell(row=2, column=coverage).number_format == "0.0%"
    totals = [c.value for c in sheet[5]]
    assert totals[0] == "Jumlah"
    assert totals[3] == "=SUBTOTAL(109,D2:D4)"  # follows the autofilter
    assert totals[coverage - 1] == pytest.approx((30 + 27) / 190)


def test_the_village_offices_sheet_prints_readably_on_a4() -> None:
    """The Target sheet has every column; the village office's has a dozen, grouped by
    kecamatan, landscape, one page wide, its header on every page, its totals below."""
    workbook = _workbook("id")

    sheet = workbook["Untuk kantor desa"]
    header = [c.value for c in sheet[1]]
    assert len(header) <= 12 < len([c.value for c in workbook["Target"][1]])
    assert header[:4] == ["Kecamatan", "Kode desa", "Nama desa", "Peserta baru"]
    assert "Pekerja baru JKK-JKM" in header and "Cakupan sesudah" in header
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    kecamatan = [row[0] for row in rows[:-1]]
    assert kecamatan == sorted(kecamatan) and rows[-1][0] == "Jumlah"
    setup = sheet.page_setup
    assert setup.orientation == "landscape" and setup.paperSize == 9 and setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows == "$1:$1"
    assert sheet.freeze_panes == "A2"


def test_targets_workbook_in_english() -> None:
    workbook = _workbook("en")

    assert workbook.sheetnames == [
        "Targets",
        "For village offices",
        "Kecamatan",
        "Monthly contributions",
        "Parameters",
    ]
    assert [c.value for c in workbook["Targets"][1]][:2] == ["Village code", "Village name"]


def test_monthly_contributions_add_up_to_the_spend() -> None:
    plan = small_plan()
    frame = pd.read_excel(
        io.BytesIO(targets_workbook_bytes(plan, gettext_for("en"), SCENARIO)),
        sheet_name="Monthly contributions",
        dtype={"Village code": str},
    ).iloc[:-1]  # the totals row

    by_village = frame.groupby("Village code")["Contribution over the horizon (Rp)"].sum()
    for village in plan.villages:
        expected = village.spend_total_idr
        assert by_village.get(village.village_code, 0) == pytest.approx(expected)
    jht = frame[frame["Package"] == "JKK-JKM-JHT"]
    assert (jht["Monthly contribution (Rp)"] == jht["New workers"] * 36800).all()


def test_parameters_sheet_names_the_plan_and_the_scenario() -> None:
    rows = {r[0]: (r[1], c.number_format) for r, c in _rows(_workbook("id")["Parameter"])}

    assert rows["Rencana"][0] == 7 and rows["Dihitung"][0].endswith("WIB")
    assert rows["Bagian dana desa"] == (0.03, "0.0%")
    assert rows["Paket JKK-JKM-JHT: iuran per pekerja per bulan (Rp)"] == (36800, "#,##0")
    assert rows["Batas bawah cakupan nelayan"] == (0.5, "0.0%")
    assert rows["Peserta baru"][0] == 27


def _rows(sheet: openpyxl.worksheet.worksheet.Worksheet) -> list[tuple[tuple[object, ...], object]]:
    return [((r[0].value, r[1].value), r[1]) for r in sheet.iter_rows(min_row=2)]


def test_targets_split_per_kecamatan_one_workbook_each() -> None:
    archive = zipfile.ZipFile(
        io.BytesIO(split_targets_zip(small_plan(), "kecamatan", gettext_for("id"), SCENARIO))
    )

    assert sorted(archive.namelist()) == ["targets_Babelan.xlsx", "targets_Tarumajaya.xlsx"]
    taruma = openpyxl.load_workbook(io.BytesIO(archive.read("targets_Tarumajaya.xlsx")))["Target"]
    codes = [row[0] for row in taruma.iter_rows(min_row=2, values_only=True)]
    assert codes == ["32.16.01.2001", "32.16.01.2002", "Jumlah"]


def test_csv_for_indonesian_excel() -> None:
    plan = small_plan(integer=False)
    content = targets_csv_excel_id_bytes(plan, gettext_for("id"))

    assert content.startswith(b"\xef\xbb\xbfKode desa;Nama desa;Kecamatan;Peserta baru;")
    text = content.decode("utf-8-sig")
    assert ";0,25;" in text  # Babelan's coverage after, 10 of 40 workers, with a decimal comma
    back = pd.read_csv(io.StringIO(text), sep=";", decimal=",", dtype={"Kode desa": str})
    expected = targets_frame(plan)
    assert back["Kode desa"].tolist() == expected["village_code"].tolist()
    assert back["Cakupan sesudah"].tolist() == pytest.approx(expected["coverage_after"].tolist())


def test_comparison_workbook_through_the_same_writer() -> None:
    base = small_plan()
    other = small_plan()
    other.villages[1] = other.villages[1].model_copy(update={"new_enrollments": 5.0})
    comparison = compare_plans(("plan 1", base), [("plan 2", other)])

    workbook = openpyxl.load_workbook(io.BytesIO(comparison_workbook_bytes(comparison, gettext_for("id"))))

    assert workbook.sheetnames == [
        "Jumlah",
        "Kecamatan",
        "Desa",
        "Desa yang paling bertambah",
        "Desa yang paling berkurang",
    ]
    villages = workbook["Desa"]
    header = [c.value for c in villages[1]]
    assert "Peserta baru, perubahan" in header and "Belanja, jumlah (Rp), acuan" in header
    assert villages.freeze_panes == "A2" and villages.auto_filter.ref
    assert villages.cell(row=2, column=header.index("Cakupan sesudah, perubahan") + 1).number_format == "0.0%"


def test_text_that_looks_like_a_formula_stays_text() -> None:
    plan = small_plan()
    plan.villages[0] = plan.villages[0].model_copy(update={"village_name": '=HYPERLINK("http://x","klik")'})

    workbook = openpyxl.load_workbook(io.BytesIO(targets_workbook_bytes(plan, gettext_for("id"))))
    csv_text = targets_csv_excel_id_bytes(plan, gettext_for("id")).decode("utf-8-sig")

    cell = workbook["Target"]["B2"]
    # text, with the quote every text cell a spreadsheet would run carries (README)
    assert cell.value == '\'=HYPERLINK("http://x","klik")' and cell.data_type == "s"
    assert ";'=HYPERLINK" in csv_text.replace('"', "")
