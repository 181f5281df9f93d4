"""The plain scenario on the first thousands of villages of the national table: a checked optimal
plan with the optimum of an independent model (`bench/reference.py`), and money that is clean (a
pool of Rp0 pays nothing; no village reports dust as spending)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from app.cli import main
from bench import reference
from bench.instances import village_table

PLAIN = {"packages": [{"code": "JKK-JKM", "monthly_premium_idr": 16800}], "budget": {"dana_desa_share": 0.03}}


@pytest.fixture(scope="module")
def national() -> pd.DataFrame:
    return village_table("national")


def _files(table: pd.DataFrame, scenario: dict[str, object], tmp_path: Path) -> tuple[Path, Path]:
    villages, scenario_path = tmp_path / "villages.csv", tmp_path / "scenario.json"
    table.to_csv(villages, index=False)
    scenario_path.write_text(json.dumps(scenario))
    return villages, scenario_path


@pytest.mark.parametrize("villages", [1_000, 5_000])
def test_the_plain_scenario_is_optimal_checked_and_the_reference_optimum(
    national: pd.DataFrame, villages: int, tmp_path: Path
) -> None:
    table_path, scenario_path = _files(national.head(villages), PLAIN, tmp_path)
    out = tmp_path / "out"

    code = main(
        [
            "solve",
            "--villages",
            str(table_path),
            "--scenario",
            str(scenario_path),
            "--out",
            str(out),
            "--quiet",
            "--workers",
            "1",
        ]
    )

    plan = json.loads((out / "plan.json").read_text())
    assert code == 0, plan["message"]
    assert plan["status"] == "optimal" and plan["check"]["ok"]
    expected = reference.run(table_path, scenario_path)
    assert expected.status == "Optimal"
    assert plan["objective"] == pytest.approx(expected.objective, rel=1e-7)
    # a pool of Rp0 has no money in the plan, and no village spends dust
    assert [p["spent_idr"] for p in plan["pools"]] == [0.0]
    assert all(v["spend_apbd_idr"] == 0 for v in plan["villages"])
    spends = [v["spend_total_idr"] for v in plan["villages"]]
    assert all(s == 0 or s >= 1 for s in spends)
    assert sum(spends) == plan["totals"]["spend_total_idr"]
    targets = pd.read_csv(out / "targets.csv")
    assert len(targets) == villages


def test_zero_pools_per_kabupaten_and_add_are_clean_too(national: pd.DataFrame, tmp_path: Path) -> None:
    table = national.head(2_000)
    kabupaten = sorted(table["kabupaten"].unique())
    scenario = {
        **PLAIN,
        "budget": {"dana_desa_share": 0.03, "add_share": 0.1, "apbd_pool_idr": {k: 0 for k in kabupaten}},
        "targets": {"min_coverage": 0.2},
    }
    table_path, scenario_path = _files(table, scenario, tmp_path)
    out = tmp_path / "out"

    code = main(
        [
            "solve",
            "--villages",
            str(table_path),
            "--scenario",
            str(scenario_path),
            "--out",
            str(out),
            "--quiet",
            "--workers",
            "1",
        ]
    )

    plan = json.loads((out / "plan.json").read_text())
    assert code == 0, plan["message"]
    assert plan["status"] == "optimal" and plan["check"]["ok"]
    assert plan["objective"] == pytest.approx(reference.run(table_path, scenario_path).objective, rel=1e-7)
    assert {p["spent_idr"] for p in plan["pools"]} == {0.0}
    for v in plan["villages"]:
        assert v["spend_dana_desa_idr"] + v["spend_add_idr"] == v["spend_total_idr"]
