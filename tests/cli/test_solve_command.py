"""`desaplan solve` as a planner runs it: real files in, real files out, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from scenarios.examples import BEKASI_VILLAGES, bekasi_scenarios

DESAPLAN = str(Path(sys.executable).parent / "desaplan")


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DESAPLAN, *map(str, args)], capture_output=True, text=True, timeout=300)


def solve(villages: Path, scenario: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return run("solve", "--villages", villages, "--scenario", scenario, "--out", out)


def test_bekasi_example_gives_a_plan_and_its_targets(tmp_path: Path) -> None:
    result = solve(BEKASI_VILLAGES, bekasi_scenarios()["dd3_officials"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "optimal" in result.stdout and "Coverage" in result.stdout and "kecamatan" in result.stdout
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert list(plan)[:2] == ["status", "objective"]
    assert plan["status"] == "optimal" and plan["objective"] > 0
    targets = pd.read_csv(tmp_path / "targets.csv", dtype={"village_code": str})
    assert list(targets.columns[:4]) == ["village_code", "village_name", "kecamatan", "new_enrollments"]
    assert len(targets) == 187
    assert targets["new_enrollments"].sum() == pytest.approx(plan["totals"]["new_enrollments"])
    xlsx = pd.read_excel(tmp_path / "targets.xlsx", sheet_name=0, dtype={"village_code": str})
    assert list(xlsx["village_code"]) == list(targets["village_code"])
    assert xlsx["new_enrollments"].sum() == pytest.approx(targets["new_enrollments"].sum())


def test_bad_village_row_is_named_without_a_traceback(tmp_path: Path) -> None:
    villages = tmp_path / "desa.csv"
    villages.write_text("village_code,village_name,kecamatan,dana_desa_idr,uninsured_farmers\n"
                        "32.16.01.2001,Sagara Makmur,Tarumajaya,1000000000,100\n"
                        "32.16.01.2002,Segarajaya,Tarumajaya,-5,100\n")
    result = solve(villages, bekasi_scenarios()["dd3_officials"], tmp_path / "out")
    assert result.returncode == 2
    assert "desa.csv" in result.stderr and "row 3" in result.stderr
    assert "dana_desa_idr" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "out" / "plan.json").exists()


def test_bad_scenario_field_is_named(tmp_path: Path) -> None:
    scenario = tmp_path / "s.json"
    scenario.write_text(json.dumps({"packages": [{"code": "JKK-JKM", "monthly_premium_idr": 16800}],
                                    "budget": {"dana_desa_share": 1.5}}))
    result = solve(BEKASI_VILLAGES, scenario, tmp_path / "out")
    assert result.returncode == 2
    assert "budget.dana_desa_share" in result.stderr
    assert "Traceback" not in result.stderr


def test_scenario_naming_a_group_the_table_lacks(tmp_path: Path) -> None:
    scenario = tmp_path / "s.json"
    scenario.write_text(json.dumps({"packages": [{"code": "JKK-JKM", "monthly_premium_idr": 16800}],
                                    "group_weights": {"nelayan": 2.0}}))
    result = solve(BEKASI_VILLAGES, scenario, tmp_path / "out")
    assert result.returncode == 2
    assert "group_weights.nelayan" in result.stderr


def test_missing_file(tmp_path: Path) -> None:
    result = solve(tmp_path / "nope.csv", bekasi_scenarios()["dd3_officials"], tmp_path / "out")
    assert result.returncode == 2
    assert "nope.csv" in result.stderr and "Traceback" not in result.stderr


def test_infeasible_scenario_exits_3_and_says_why(tmp_path: Path) -> None:
    result = solve(BEKASI_VILLAGES, bekasi_scenarios()["contract_example"], tmp_path)
    assert result.returncode == 3
    assert "cannot pay for their coverage floors" in result.stdout
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert plan["status"] == "infeasible" and plan["objective"] is None
    assert plan["explanations"][0]["shortfall_idr"] > 0
    assert not (tmp_path / "targets.csv").exists()
