"""`desaplan actuals` and `desaplan replan` on the Kabupaten Bekasi example through June 2026."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from app.cli import main
from models import Plan, Status
from scenarios.examples import BEKASI_VILLAGES, bekasi_scenarios

EXAMPLES = BEKASI_VILLAGES.parent
ACTUALS = EXAMPLES / "bekasi_actuals_2026-06.csv"
SCENARIO = bekasi_scenarios()["dd3_officials"]


@pytest.fixture(scope="module")
def plan_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plan")
    assert (
        main(
            [
                "solve",
                "--villages",
                str(BEKASI_VILLAGES),
                "--scenario",
                str(SCENARIO),
                "--out",
                str(out),
                "--quiet",
                "--workers",
                "1",
            ]
        )
        == 0
    )
    return out / "plan.json"


def _common(plan_json: Path, out: Path, actuals: Path = ACTUALS) -> list[str]:
    return [
        "--villages",
        str(BEKASI_VILLAGES),
        "--scenario",
        str(SCENARIO),
        "--plan",
        str(plan_json),
        "--actuals",
        str(actuals),
        "--out",
        str(out),
    ]


def test_actuals_writes_the_comparison_and_says_who_is_behind(
    plan_json: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["actuals", *_common(plan_json, tmp_path), "--lang", "id"]) == 0
    printed = capsys.readouterr().out
    assert "Rencana dibanding realisasi sampai bulan 6 dari 12" in printed
    assert "Desa tertinggal:" in printed
    with (tmp_path / "actuals_villages.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 187
    with ACTUALS.open(encoding="utf-8") as f:
        reported = sum(
            sum(int(v) for k, v in row.items() if k.startswith("Terdaftar"))
            for row in csv.DictReader(f, delimiter=";")
        )
    assert sum(int(r["actual"]) for r in rows) == reported
    plan = Plan.model_validate_json(plan_json.read_bytes())
    planned = {v.village_code: v.new_enrollments for v in plan.villages}
    for row in rows:
        expected = planned[row["village_code"]] * 6 / 12
        assert (row["behind"] == "1") == (int(row["actual"]) < expected - 1e-9)
    assert (tmp_path / "actuals.xlsx").stat().st_size > 0
    comparison = json.loads((tmp_path / "actuals.json").read_text())
    assert comparison["through_month"] == 6 and comparison["totals"]["actual"] == reported


def test_replan_keeps_the_actuals_funded_and_pins_what_it_came_from(plan_json: Path, tmp_path: Path) -> None:
    assert main(["replan", *_common(plan_json, tmp_path), "--lang", "en"]) == 0
    new_plan = Plan.model_validate_json((tmp_path / "plan.json").read_bytes())
    assert new_plan.status == Status.optimal and (tmp_path / "targets.csv").is_file()
    basis = new_plan.replan
    assert basis is not None and basis.check is not None and basis.check.ok
    assert basis.source_plan == str(plan_json) and basis.source_plan_sha256 and basis.actuals_sha256
    assert (basis.through_month, basis.months_remaining) == (6, 6)
    scenario = json.loads((tmp_path / "replan_scenario.json").read_text())
    assert scenario["horizon_months"] == 6
    # the re-plan's money is what was free: never the premiums already paid or committed
    assert new_plan.totals is not None
    assert new_plan.totals.spend_dana_desa_idr <= basis.free_dana_desa_idr + 1
    assert new_plan.totals.spend_apbd_idr <= basis.free_apbd_idr + 1
    old = Plan.model_validate_json(plan_json.read_bytes())
    assert old.totals is not None
    enrolled_before = old.totals.workers_enrolled_before + basis.actual_enrollments
    assert new_plan.totals.workers_enrolled_before == enrolled_before


def test_a_bad_actuals_file_is_exit_2_naming_file_row_and_column(
    plan_json: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "laporan.csv"
    bad.write_text("Kode Desa;Bulan;Terdaftar Petani\n32.16.01.2001;2026-02;banyak\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["actuals", *_common(plan_json, out, bad)]) == 2
    err = capsys.readouterr().err
    assert "laporan.csv, row 2, column 'Terdaftar Petani'" in err
    assert not out.exists() or not any(out.iterdir())
    assert main(["replan", *_common(plan_json, out, bad)]) == 2
    assert not out.exists() or not any(out.iterdir())


def test_a_through_month_beyond_the_horizon_is_exit_2(
    plan_json: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replan", *_common(plan_json, tmp_path), "--through-month", "13"]) == 2
    assert "through_month" in capsys.readouterr().err


def test_a_replan_is_not_the_plan_actuals_are_read_against(
    plan_json: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replan", *_common(plan_json, tmp_path / "re")]) == 0
    capsys.readouterr()
    assert main(["actuals", *_common(tmp_path / "re" / "plan.json", tmp_path / "out")]) == 2
    assert "is a re-plan of" in capsys.readouterr().err
