"""A Bekasi planner plans fiscal year 2026 from April at the rules' premiums, from the command line;
`desaplan rules` lists the rules with their dates and references."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from scenarios.examples import BEKASI_RULES_2026, BEKASI_VILLAGES

DESAPLAN = str(Path(sys.executable).parent / "desaplan")


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DESAPLAN, *map(str, args)], capture_output=True, text=True, timeout=300)


def test_bekasi_2026_from_april_pays_the_reduced_rates_and_cites_them(tmp_path: Path) -> None:
    result = run(
        "solve",
        "--villages",
        BEKASI_VILLAGES,
        "--scenario",
        BEKASI_RULES_2026,
        "--out",
        tmp_path,
        "--lang",
        "en",
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    assert "Rp8.400 a month in 2026-04 to 2026-12" in result.stdout
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert plan["status"] == "optimal" and plan["check"]["ok"]
    assert plan["fiscal_year"] == 2026 and plan["months"][0] == "2026-04" and plan["months"][-1] == "2026-12"
    assert plan["rules"]["name"] == "bpjs-tk-bpu" and plan["rules"]["version"]
    assert "Nomor 50 Tahun 2025, Pasal 4 ayat (1)" in plan["rules"]["citations"]["jkk_jkm_payable_share"]
    premium = {(p["package"], p["month"], p["sector"], p["source"]): p for p in plan["premiums"]}
    own = premium[("JKK-JKM", "2026-04", "general", "dana_desa")]
    assert own["premium_idr"] == 8_400 and own["payable_share"] == 0.5
    assert premium[("JKK-JKM", "2026-12", "transport", "add")]["premium_idr"] == 8_400
    assert premium[("JKK-JKM", "2026-04", "general", "apbd_pool")]["premium_idr"] == 16_800
    assert premium[("JKK-JKM-JHT", "2026-04", "general", "dana_desa")]["premium_idr"] == 28_400
    totals = plan["totals"]
    assert 0 < totals["spend_apbd_idr"] <= 1_500_000_000
    # what each source pays is its own workers at its own premium over the nine months
    pool_workers = sum(e["workers"] for e in plan["source_enrollments"] if e["source"] == "apbd_pool")
    own_workers = sum(e["workers"] for e in plan["source_enrollments"] if e["source"] != "apbd_pool")
    assert pool_workers == plan["new_by_source"]["apbd_pool"]
    assert pool_workers + own_workers == pytest.approx(totals["new_enrollments"])
    by_package_pool = {
        p: sum(
            e["workers"]
            for e in plan["source_enrollments"]
            if e["source"] == "apbd_pool" and e["package"] == p
        )
        for p in ("JKK-JKM", "JKK-JKM-JHT")
    }
    expected_pool = 9 * (16_800 * by_package_pool["JKK-JKM"] + 36_800 * by_package_pool["JKK-JKM-JHT"])
    assert totals["spend_apbd_idr"] == pytest.approx(expected_pool, abs=2)
    targets = pd.read_csv(tmp_path / "targets.csv", dtype={"village_code": str})
    assert targets["new_enrollments"].sum() == pytest.approx(totals["new_enrollments"])


@pytest.mark.parametrize(
    ("lang", "words"), [("en", "Contribution rules bpjs-tk-bpu"), ("id", "Aturan iuran bpjs-tk-bpu")]
)
def test_rules_lists_values_dates_and_references(lang: str, words: str) -> None:
    result = run("rules", "--lang", lang)
    assert result.returncode == 0, result.stderr
    assert words in result.stdout
    assert "Peraturan Pemerintah Nomor 50 Tahun 2025" in result.stdout and "Pasal 4 ayat (1)" in result.stdout
    assert "1 April 2026" in result.stdout
    assert ("unconfirmed" if lang == "en" else "belum dipastikan") in result.stdout


def test_rules_as_json() -> None:
    result = run("rules", "--json")
    assert result.returncode == 0, result.stderr
    rules = json.loads(result.stdout)
    share = next(p for p in rules["parameters"] if p["name"] == "jkk_jkm_payable_share")
    assert [v["effective"] for v in share["values"]][-2:] == ["2027-01-01", "2027-04-01"]


def test_a_scenario_with_a_bad_tier_exits_2_naming_the_field(tmp_path: Path) -> None:
    body = json.loads(BEKASI_RULES_2026.read_text())
    body["packages"][0]["declared_income_idr"] = 1_234_567
    scenario = tmp_path / "bad.json"
    scenario.write_text(json.dumps(body))
    result = run("solve", "--villages", BEKASI_VILLAGES, "--scenario", scenario, "--out", tmp_path / "out")
    assert result.returncode == 2
    assert "packages.0.declared_income_idr" in result.stderr and "tier" in result.stderr
