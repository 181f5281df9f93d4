"""Plan against actual as files: the column codes in CSV, the planner's workbook in Bahasa
Indonesia, and no cell a spreadsheet would run."""

from __future__ import annotations

import io

import openpyxl

from app.i18n import gettext_for
from models import Actuals, ActualsRow, Plan, Scenario, Status, Village, VillagePlan, VillageTable
from scenarios.actuals_writers import actuals_csv_bytes, actuals_workbook_bytes
from solver.actuals import compare

NAME = '=HYPERLINK("http://evil.example","klik")'


def _comparison():  # type: ignore[no-untyped-def]
    scenario = Scenario.model_validate(
        {"packages": [{"code": "JKK-JKM", "monthly_premium_idr": 16800}], "budget": {"dana_desa_share": 0.03}}
    )
    table = VillageTable(
        groups=["farmers"],
        villages=[
            Village(
                village_code="32.16.01.2001",
                village_name=NAME,
                kecamatan="Tarumajaya",
                dana_desa_idr=1_000_000_000,
                uninsured={"farmers": 100},
            )
        ],
    )
    plan = Plan(
        status=Status.optimal,
        objective=1,
        objective_name="max_protection",
        scenario_name="s",
        groups=["farmers"],
        packages=["JKK-JKM"],
        villages=[
            VillagePlan(
                village_code="32.16.01.2001",
                village_name=NAME,
                kecamatan="Tarumajaya",
                kabupaten="",
                new_enrollments=40,
                enrollments={"farmers": {"JKK-JKM": 40}},
                spend_dana_desa_idr=8_064_000,
                spend_add_idr=0,
                spend_apbd_idr=0,
                spend_total_idr=8_064_000,
                workers_enrolled_before=0,
                workers_total=100,
                coverage_before=0,
                coverage_after=0.4,
            )
        ],
    )
    actuals = Actuals(
        through_month=6,
        rows=[ActualsRow(village_code="32.16.01.2001", month=1, enrollments={"farmers": {"JKK-JKM": 10}})],
    )
    return compare(table, scenario, plan, actuals)


def test_csv_keeps_the_codes_and_neutralises_formulas() -> None:
    text = actuals_csv_bytes(_comparison()).decode()
    header, row = text.splitlines()[:2]
    assert header.startswith("village_code,village_name,kecamatan,kabupaten,planned,expected_to_date,actual")
    assert "'=HYPERLINK" in row and ",40.0,10,1," in row  # farmers 40 planned, 10 enrolled: behind
    assert actuals_csv_bytes(_comparison(), "sources").decode().startswith("source,kabupaten,budget_idr")


def test_the_workbook_speaks_bahasa_indonesia() -> None:
    content = actuals_workbook_bytes(_comparison(), gettext_for("id"))
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Desa", "Kecamatan", "Dana per sumber"]
    villages = book["Desa"]
    headers = [c.value for c in villages[1]]
    assert "Realisasi peserta baru" in headers and "Tertinggal" in headers
    assert villages.cell(row=2, column=headers.index("petani, realisasi") + 1).value == 10
    assert villages.cell(row=2, column=headers.index("petani, rencana") + 1).value == 40
    assert villages.cell(row=2, column=2).value == "'" + NAME
    assert villages.cell(row=2, column=headers.index("Tertinggal") + 1).value == "ya"
