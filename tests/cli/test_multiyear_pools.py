"""`desaplan solve` on a multi-year scenario whose pools are given per year and per kabupaten, in
every spelling a one-year pool accepts (the table's name, another letter case, the Kemendagri code
with or without its dot)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

DESAPLAN = str(Path(sys.executable).parent / "desaplan")

TABLE = (
    "village_code,village_name,kecamatan,kabupaten,dana_desa_idr,uninsured_farmers\n"
    "32.16.01.2001,Sagara Makmur,Tarumajaya,Kabupaten Bekasi,0,40\n"
    "32.16.01.2002,Pantai Makmur,Tarumajaya,Kabupaten Bekasi,0,40\n"
    "32.15.01.2001,Desa K,Karawang Barat,Kabupaten Karawang,0,40\n"
)
# Rp120,000 a worker a year; Bekasi's pool pays 10, then 20, then 30 workers; Karawang's 5 a year
BEKASI = [1_200_000, 2_400_000, 3_600_000]
KARAWANG = 600_000


def solve(tmp_path: Path, scenario: dict[str, object]) -> subprocess.CompletedProcess[str]:
    tmp_path.mkdir(exist_ok=True)
    villages = tmp_path / "desa.csv"
    villages.write_text(TABLE)
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario))
    return subprocess.run(
        [
            DESAPLAN,
            "solve",
            "--villages",
            str(villages),
            "--scenario",
            str(path),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("bekasi", ["Kabupaten Bekasi", "kabupaten BEKASI", "32.16", "3216"])
def test_per_year_pools_per_kabupaten_in_every_spelling_of_a_one_year_pool(
    tmp_path: Path, bekasi: str
) -> None:
    one_year = solve(
        tmp_path / "one",
        {
            "packages": [{"code": "JKK-JKM", "monthly_premium_idr": 10_000}],
            "budget": {"apbd_pool_idr": {bekasi: BEKASI[0], "32.15": KARAWANG}},
        },
    )
    assert one_year.returncode == 0, one_year.stdout + one_year.stderr
    result = solve(
        tmp_path / "multi",
        {
            "packages": [{"code": "JKK-JKM", "monthly_premium_idr": 10_000}],
            "multi_year": {
                "years": 3,
                "apbd_pool_idr": [{bekasi: amount, "32.15": KARAWANG} for amount in BEKASI],
            },
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    plan = json.loads((tmp_path / "multi" / "out" / "plan.json").read_text())
    assert plan["status"] == "optimal" and plan["check"]["ok"]
    pools = {p["kabupaten"]: p for p in plan["pools"]}
    assert pools["Kabupaten Bekasi"]["pool_idr"] == sum(BEKASI)
    assert pools["Kabupaten Karawang"]["pool_idr"] == 3 * KARAWANG
    # every year's Bekasi pool is spent on Bekasi's villages, Karawang's on Karawang's
    assert [y["funded"] for y in plan["years"]] == [15, 25, 35]
    assert [y["spend_apbd_idr"] for y in plan["years"]] == [b + KARAWANG for b in BEKASI]
    by_village = {v["village_code"]: v["new_enrollments"] for v in plan["villages"]}
    assert by_village["32.15.01.2001"] == 5


def test_a_per_year_pool_for_a_kabupaten_the_table_lacks_is_refused_by_name(tmp_path: Path) -> None:
    result = solve(
        tmp_path,
        {
            "packages": [{"code": "JKK-JKM", "monthly_premium_idr": 10_000}],
            "multi_year": {"years": 2, "apbd_pool_idr": [{"32.16": 1}, {"Kabupaten Bogor": 1}]},
        },
    )
    assert result.returncode == 2
    assert "multi_year.apbd_pool_idr.1.Kabupaten Bogor" in result.stdout + result.stderr


def test_per_year_pools_mixing_numbers_and_kabupaten_are_refused_by_name(tmp_path: Path) -> None:
    result = solve(
        tmp_path,
        {
            "packages": [{"code": "JKK-JKM", "monthly_premium_idr": 10_000}],
            "multi_year": {"years": 2, "apbd_pool_idr": [{"32.16": 1}, 5]},
        },
    )
    assert result.returncode == 2
    assert "multi_year.apbd_pool_idr" in result.stdout + result.stderr
