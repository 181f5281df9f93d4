"""`desaplan marginals` and `desaplan sweep` on a multi-year scenario: real files in and out."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import scenarios
from app.cli import main
from models import Problem
from solver import solve

TABLE = (
    "village_code,village_name,kecamatan,kabupaten,dana_desa_idr,uninsured_farmers,"
    "uninsured_fishers\n"
    "32.16.01.2001,Desa A,Kec A,Kabupaten Bekasi,400000000,300,40\n"
    "32.16.01.2002,Desa B,Kec A,Kabupaten Bekasi,200000000,120,0\n"
    "32.16.02.2001,Desa C,Kec B,Kabupaten Bekasi,100000000,0,90\n"
)
SCENARIO = {
    "name": "three years",
    "fiscal_year": 2026,
    "packages": [{"code": "JKK-JKM", "monthly_premium_idr": 10_000}],
    "group_weights": {"fishers": 2.0},
    "budget": {"dana_desa_share": 0.03},
    "targets": {"min_coverage": 0.1},
    "multi_year": {
        "years": 3,
        "dana_desa_growth": ["10%", "-20%"],
        "apbd_pool_idr": [5_000_000, 2_000_000, 8_000_000],
    },
}


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    villages, scenario = tmp_path / "desa.csv", tmp_path / "scenario.json"
    villages.write_text(TABLE)
    scenario.write_text(json.dumps(SCENARIO))
    return villages, scenario


def test_marginals_per_year_are_written_as_the_plan_gives_them(
    tmp_path: Path, files: tuple[Path, Path]
) -> None:
    villages, scenario = files
    assert (
        main(
            [
                "marginals",
                "--villages",
                str(villages),
                "--scenario",
                str(scenario),
                "--out",
                str(tmp_path / "out"),
            ]
        )
        == 0
    )
    table = scenarios.read_villages(villages)
    plan = solve(
        Problem(table=table, scenario=scenarios.check_scenario_fits(scenarios.read_scenario(scenario), table))
    )
    by_year = pd.read_csv(tmp_path / "out" / "marginals_village_years.csv", dtype={"village_code": str})
    assert len(by_year) == 3 * 3
    for row, vy in zip(by_year.itertuples(), plan.village_years, strict=True):
        assert (row.village_code, row.year, row.fiscal_year) == (vy.village_code, vy.year, vy.fiscal_year)
        assert row.marginal_value_per_million == pytest.approx(vy.marginal_value_per_million)
    pools = pd.read_csv(tmp_path / "out" / "marginals_pool_years.csv")
    assert list(pools["fiscal_year"]) == [2026, 2027, 2028]
    assert list(pools["pool_idr"]) == [5_000_000, 2_000_000, 8_000_000]
    assert list(pools["marginal_value_per_million"]) == pytest.approx(
        [p.marginal_value_per_million for p in plan.pool_years]
    )


def test_a_sweep_of_a_multi_year_scenario(tmp_path: Path, files: tuple[Path, Path]) -> None:
    villages, scenario = files
    assert (
        main(
            [
                "sweep",
                "--villages",
                str(villages),
                "--scenario",
                str(scenario),
                "--lever",
                "dana_desa_share",
                "--values",
                "0.01,0.03,0.1",
                "--out",
                str(tmp_path / "curve"),
            ]
        )
        == 0
    )
    curve = json.loads((tmp_path / "curve" / "curve.json").read_text())
    assert curve["exact"] is False and "3 years" in curve["message"]
    assert [p["lever_value"] for p in curve["points"]] == [0.01, 0.03, 0.1]
    objectives = [p["objective"] for p in curve["points"]]
    assert objectives == sorted(objectives) and objectives[0] < objectives[-1]
    assert (tmp_path / "curve" / "curve.csv").is_file()
