"""plan.json, targets.csv / targets.xlsx and the kecamatan summary, from hand-made plans."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_helpers import small_plan, village_plan

from models import Plan, Status
from scenarios import (
    kecamatan_summary,
    plan_json,
    targets_csv_bytes,
    targets_frame,
    targets_xlsx_bytes,
    write_plan_json,
    write_targets_csv,
    write_targets_xlsx,
)

EXPECTED_COLUMNS = [
    "village_code",
    "village_name",
    "kecamatan",
    "new_enrollments",
    "kabupaten",
    "new_farmers_JKK-JKM",
    "new_farmers_JKK-JKM-JHT",
    "new_fishers_JKK-JKM",
    "new_fishers_JKK-JKM-JHT",
    "spend_dana_desa_idr",
    "spend_add_idr",
    "spend_apbd_idr",
    "spend_total_idr",
    "coverage_before",
    "coverage_after",
    "marginal_value_per_million",
    "marginal_enrollments_per_million",
    "marginal_range_idr",
]


def test_plan_json_starts_with_status_and_objective(tmp_path: Path) -> None:
    plan = small_plan()

    path = write_plan_json(plan, tmp_path / "out" / "plan.json")

    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    assert list(data)[:2] == ["status", "objective"]
    assert data["status"] == "optimal" and data["objective"] == 41.5
    assert data["totals"]["new_enrollments"] == 27
    assert Plan.model_validate(data) == plan
    assert [p.name for p in path.parent.iterdir()] == ["plan.json"]  # no temporary left


def test_plan_json_of_an_infeasible_plan_has_null_objective() -> None:
    plan = Plan(
        status=Status.infeasible,
        objective=None,
        objective_name="max_protection",
        scenario_name="x",
        message="the money falls short",
    )

    data = json.loads(plan_json(plan))

    assert data["status"] == "infeasible" and data["objective"] is None
    assert data["villages"] == []


def test_targets_frame_columns_and_values() -> None:
    frame = targets_frame(small_plan())

    assert list(frame.columns) == EXPECTED_COLUMNS
    first = frame.iloc[0]
    assert first["village_code"] == "32.16.01.2001"
    assert first["new_enrollments"] == 17
    assert first["new_farmers_JKK-JKM"] == 10 and first["new_fishers_JKK-JKM-JHT"] == 0
    assert first["spend_total_idr"] == 15 * 201_600 + 2 * 441_600
    assert first["coverage_after"] == round(37 / 100, 6)
    assert first["marginal_value_per_million"] == 4.5
    assert np.isnan(frame.iloc[1]["marginal_value_per_million"])
    assert frame["spend_dana_desa_idr"].dtype == np.int64


def test_targets_csv_starts_as_the_contract_says(tmp_path: Path) -> None:
    path = write_targets_csv(small_plan(), tmp_path / "targets.csv")

    content = path.read_bytes()
    assert content.startswith(b"village_code,village_name,kecamatan,new_enrollments,")
    back = pd.read_csv(
        path, dtype={"village_code": str, "kabupaten": str}, keep_default_na=False, na_values=[""]
    )
    expected = targets_frame(small_plan())
    expected["kabupaten"] = expected["kabupaten"].replace("", np.nan)
    pd.testing.assert_frame_equal(back, expected, check_dtype=False)


def test_targets_xlsx_has_targets_kecamatan_and_totals_sheets(tmp_path: Path) -> None:
    path = write_targets_xlsx(small_plan(), tmp_path / "targets.xlsx")

    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["targets", "kecamatan", "totals"]
    targets = workbook["targets"]
    assert targets.freeze_panes == "A2"
    assert targets.column_dimensions["A"].width >= len("32.16.01.2001")
    spend_column = EXPECTED_COLUMNS.index("spend_total_idr") + 1
    cell = targets.cell(row=2, column=spend_column)
    assert cell.value == 15 * 201_600 + 2 * 441_600 and cell.number_format == "#,##0"
    totals = {row[0]: row[1] for row in workbook["totals"].iter_rows(min_row=2, values_only=True)}
    assert totals["status"] == "optimal" and totals["new_enrollments"] == 27
    assert totals["spend_apbd_idr"] == 2 * 441_600 + 3 * 441_600


def test_kecamatan_summary_weights_coverage_by_workers() -> None:
    summary = kecamatan_summary(small_plan())

    assert list(summary["kecamatan"]) == ["Tarumajaya", "Babelan"]
    taruma = summary.iloc[0]
    assert taruma["villages"] == 2 and taruma["new_enrollments"] == 17
    assert taruma["workers_total"] == 150
    assert taruma["coverage_before"] == round(30 / 150, 6)
    assert taruma["coverage_after"] == round(47 / 150, 6)
    assert taruma["spend_total_idr"] == 15 * 201_600 + 2 * 441_600
    assert summary.iloc[1]["spend_add_idr"] == 4 * 201_600


def test_a_continuous_plan_keeps_fractions() -> None:
    plan = small_plan(integer=False)
    plan.villages[0].enrollments["farmers"]["JKK-JKM"] = 10.25

    frame = targets_frame(plan)

    assert frame.iloc[0]["new_farmers_JKK-JKM"] == 10.25


names = st.from_regex(r"[A-Z][a-z]{1,8}( [A-Z][a-z]{1,8})?", fullmatch=True)


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    integer = draw(st.booleans())
    count = st.integers(0, 500) if integer else st.floats(0, 500, allow_nan=False)
    codes = draw(st.lists(st.integers(2001, 2999), min_size=1, max_size=8, unique=True))
    villages = []
    for code in codes:
        enrollments = {
            "farmers": {"JKK-JKM": draw(count), "JKK-JKM-JHT": draw(count)},
            "traders": {"JKK-JKM": draw(count), "JKK-JKM-JHT": draw(count)},
        }
        workers = draw(st.integers(2000, 5000))
        money = st.floats(0, 5e9, allow_nan=False)
        villages.append(
            village_plan(
                f"32.16.{draw(st.integers(10, 23))}.{code}",
                draw(names),
                enrollments,
                (draw(money), draw(money), draw(money)),
                enrolled_before=draw(st.integers(0, 1000)),
                workers=workers,
                marginal=draw(st.none() | st.floats(0, 100, allow_nan=False)),
            ).model_copy(update={"village_name": draw(names)})
        )
    return Plan(
        status=Status.optimal,
        objective=1.0,
        objective_name="max_protection",
        scenario_name="property",
        integer=integer,
        villages=villages,
        groups=["farmers", "traders"],
        packages=["JKK-JKM", "JKK-JKM-JHT"],
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans())
def test_targets_round_trip_through_pandas(plan: Plan) -> None:
    expected = targets_frame(plan)
    # an empty kabupaten (a table without the column) reads back as an empty cell
    expected["kabupaten"] = expected["kabupaten"].replace("", np.nan)
    text_columns = {"village_code": str, "village_name": str, "kecamatan": str, "kabupaten": str}

    from_csv = pd.read_csv(io.BytesIO(targets_csv_bytes(plan)), dtype=text_columns)
    from_xlsx = pd.read_excel(io.BytesIO(targets_xlsx_bytes(plan)), sheet_name="targets", dtype=text_columns)

    for back in (from_csv, from_xlsx):
        assert list(back.columns) == list(expected.columns)
        pd.testing.assert_frame_equal(back, expected, check_dtype=False, rtol=1e-12)
