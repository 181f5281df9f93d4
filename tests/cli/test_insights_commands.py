"""`desaplan sweep`, `marginals` and `fairness`, and the way out in `desaplan solve`, as a planner
runs them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from scenarios.examples import BEKASI_VILLAGES, bekasi_scenarios

DESAPLAN = str(Path(sys.executable).parent / "desaplan")


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DESAPLAN, *map(str, args)], capture_output=True, text=True, timeout=300)


def _continuous(tmp_path: Path, **targets: float) -> Path:
    scenario = json.loads(bekasi_scenarios()["add_pool_floor20"].read_text())
    scenario["integer"] = False
    scenario["targets"].update(targets)
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario))
    return path


def test_sweep_writes_the_curve_its_workbook_and_chart(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(
        "sweep",
        "--villages",
        BEKASI_VILLAGES,
        "--scenario",
        _continuous(tmp_path),
        "--lever",
        "add_share",
        "--from",
        "0",
        "--to",
        "0.3",
        "--points",
        "20",
        "--out",
        out,
        "--lang",
        "id",
    )
    assert result.returncode == 0, result.stderr
    # the planner's words and numbers: Indonesian, the breakpoints counted, where a plan starts
    assert "Tuas: Bagian ADD; 20 titik" in result.stdout
    assert re.search(r"Tepat: \d+ titik patah ditemukan", result.stdout)
    assert re.search(r"Rencana ada mulai \d+,\d\d%\.", result.stdout)
    assert "(rencana ada mulai dari sini)" in result.stdout and "30,00%" in result.stdout
    curve = pd.read_csv(out / "curve.csv")
    asked = curve[curve["kind"] == "sampled"]
    assert len(asked) == 20
    assert (curve["kind"] == "breakpoint").sum() > 10
    assert set(curve["status"]) == {"infeasible", "optimal"}
    assert curve[curve["status"] == "optimal"]["check_ok"].dropna().all()
    assert pd.read_excel(out / "curve.xlsx", sheet_name="Ringkasan").shape[0] > 5  # --lang id
    assert (out / "curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sweep_refuses_a_kabupaten_for_a_table_wide_pool(tmp_path: Path) -> None:
    result = run(
        "sweep",
        "--villages",
        BEKASI_VILLAGES,
        "--scenario",
        _continuous(tmp_path),
        "--lever",
        "apbd_pool",
        "--kabupaten",
        "Bekasi",
        "--values",
        "1e9,2e9",
        "--out",
        tmp_path / "out",
    )
    assert result.returncode == 2
    assert "one APBD pool" in result.stderr and "Traceback" not in result.stderr


def test_marginals_lists_the_top_villages_and_kecamatan(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(
        "marginals",
        "--villages",
        BEKASI_VILLAGES,
        "--scenario",
        _continuous(tmp_path),
        "--out",
        out,
        "--lang",
        "en",
    )
    assert result.returncode == 0, result.stderr
    assert "What Rp1 million more of a village's own cap buys; the top 20:" in result.stdout
    assert re.search(
        r"32\.16\.\d\d\.\d{4} .+ \(.+\): \+\d+,\d{3} points, \+\d+,\d\d enrolments", result.stdout
    )
    top = pd.read_csv(out / "marginals_top.csv", dtype={"village_code": str})
    assert len(top) == 20
    assert top["marginal_value_per_million"].is_monotonic_decreasing
    villages = pd.read_csv(out / "marginals_villages.csv")
    assert len(villages) == 187
    assert top["marginal_value_per_million"].iloc[0] == pytest.approx(
        villages["marginal_value_per_million"].max()
    )
    kecamatan = pd.read_csv(out / "marginals_kecamatan.csv")
    assert kecamatan["villages"].sum() == 187
    assert set(pd.ExcelFile(out / "marginals.xlsx").sheet_names) == {
        "Where Rp1 million does most",
        "Kecamatan",
        "APBD pools",
        "Villages",
    }
    # the +Rp1 billion re-solve: its objective and its gain, each in a column of its own; the gain
    # also under its earlier name, for older readers
    pools = pd.read_csv(out / "marginals_pools.csv")
    sheet = pd.read_excel(out / "marginals.xlsx", sheet_name="APBD pools").iloc[:-1]  # the totals row
    sheet = sheet.rename(
        columns={
            "Value gained with Rp1 billion more": "plus_billion_gain",
            "Value gained with Rp1 billion more (earlier name)": "plus_billion_value",
            "Value with Rp1 billion more": "plus_billion_objective",
        }
    )
    for frame in (pools, sheet):
        row = frame.iloc[0]
        assert row["plus_billion_gain"] > 0
        assert row["plus_billion_value"] == row["plus_billion_gain"]
        assert row["plus_billion_objective"] > row["plus_billion_gain"]


def test_fairness_writes_the_cost_of_each_floor(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(
        "fairness",
        "--villages",
        BEKASI_VILLAGES,
        "--scenario",
        bekasi_scenarios()["dd3_officials"],
        "--out",
        out,
        "--lang",
        "id",
    )
    assert result.returncode == 0, result.stderr
    assert re.search(
        r"batas bawah kelompok \(optimal\): tujuan yang dikorbankan [\d.,]+, peserta "
        r"yang dikorbankan [\d.,]+, rupiah yang berpindah Rp[\d.]+",
        result.stdout,
    )
    summary = pd.read_csv(out / "fairness.csv")
    assert list(summary["floor"]) == ["group floors"]
    assert summary["objective_given_up"].iloc[0] > 0


def test_infeasible_solve_says_the_way_out_and_lists_every_short_village(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(
        "solve",
        "--villages",
        BEKASI_VILLAGES,
        "--scenario",
        _continuous(tmp_path, min_coverage=0.3),
        "--out",
        out,
    )
    assert result.returncode == 3
    assert "The way out" in result.stdout and "an APBD pool of Rp" in result.stdout
    plan = json.loads((out / "plan.json").read_text())
    assert len(plan["short_villages"]) > 100
    assert {r["lever"] for r in plan["remedies"]} >= {"apbd_pool", "min_coverage"}
    sheet = pd.read_excel(out / "infeasible.xlsx", sheet_name="Short villages")
    assert len(sheet) == len(plan["short_villages"]) + 1  # and the totals row
