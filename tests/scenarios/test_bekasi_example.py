"""The Kabupaten Bekasi example: the real village list, the published totals, and scenarios whose
money suffices (checked here by plain arithmetic on the CSV, independent of the code that chose
the pools and shares)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from scenarios import check_scenario_fits, read_scenario, read_villages
from scenarios.examples import BEKASI_VILLAGES, bekasi_scenarios
from scenarios.examples.calibration import build_scenarios
from scenarios.examples.make_bekasi import VILLAGE_LIST, estimate_table

GROUPS = ["farmers", "fishers", "construction", "transport", "traders", "village_officials"]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return pd.read_csv(BEKASI_VILLAGES, dtype={"village_code": str})


def test_the_real_villages_of_kabupaten_bekasi(frame: pd.DataFrame) -> None:
    table = read_villages(BEKASI_VILLAGES)

    assert len(table.villages) == 187
    assert sum(not v.is_kelurahan for v in table.villages) == 179
    assert len({v.kecamatan for v in table.villages}) == 23
    assert all(v.village_code.startswith("32.16.") for v in table.villages)
    assert table.groups == GROUPS
    listed = pd.read_csv(VILLAGE_LIST, dtype=str)
    assert list(frame["village_code"]) == list(listed["village_code"])


def test_dana_desa_sums_to_the_published_total(frame: pd.DataFrame) -> None:
    table = read_villages(BEKASI_VILLAGES)

    assert sum(v.dana_desa_idr for v in table.villages) == 284_970_000_000
    kelurahan = [v for v in table.villages if v.is_kelurahan]
    assert len(kelurahan) == 8
    assert all(v.dana_desa_idr == 0 and v.add_idr == 0 for v in kelurahan)
    assert all(v.dana_desa_idr > 1e9 for v in table.villages if not v.is_kelurahan)


def test_workers_follow_the_published_figures(frame: pd.DataFrame) -> None:
    informal = sum(frame[f"{kind}_{g}"].sum() for kind in ("uninsured", "enrolled") for g in GROUPS[:-1])
    enrolled = sum(frame[f"enrolled_{g}"].sum() for g in GROUPS[:-1])

    assert informal == round(1_500_000 * 0.5589)
    assert enrolled / informal == pytest.approx(0.065, abs=0.001)
    fishers = frame["uninsured_fishers"] + frame["enrolled_fishers"]
    coastal = set(frame.loc[fishers > 0, "kecamatan"])
    assert coastal == {"Tarumajaya", "Babelan", "Muaragembong"}
    assert frame["population_est"].sum() == 3_387_601


def test_the_script_regenerates_the_same_table(frame: pd.DataFrame) -> None:
    villages = pd.read_csv(VILLAGE_LIST, dtype=str, keep_default_na=False)

    again = estimate_table(villages)

    pd.testing.assert_frame_equal(again.reset_index(drop=True), frame, check_dtype=False)


def test_the_scenario_files_are_what_the_calibration_gives() -> None:
    table = read_villages(BEKASI_VILLAGES)

    built = build_scenarios(table)

    assert list(built) == list(bekasi_scenarios())
    for slug, path in bekasi_scenarios().items():
        assert json.loads(path.read_text(encoding="utf-8")) == built[slug], slug


def shortfalls(frame: pd.DataFrame, slug: str) -> tuple[np.ndarray, float, object]:
    """For each village, the cheapest cost of its floors beyond its own money."""
    scenario = read_scenario(bekasi_scenarios()[slug])
    cost = min(p.monthly_premium_idr for p in scenario.packages) * scenario.horizon_months
    enrolled = sum(frame[f"enrolled_{g}"] for g in GROUPS)
    workers = enrolled + sum(frame[f"uninsured_{g}"] for g in GROUPS)
    need = np.zeros(len(frame))
    for group, share in scenario.targets.group_min_coverage.items():
        e, u = frame[f"enrolled_{group}"], frame[f"uninsured_{group}"]
        need += np.clip(np.ceil(share * (e + u) - e - 1e-9), 0, u)
    overall = np.ceil(scenario.targets.min_coverage * workers - enrolled - 1e-9).clip(lower=0)
    need = np.maximum(need, overall)
    own = (
        scenario.budget.dana_desa_share * frame["dana_desa_idr"]
        + scenario.budget.add_share * frame["add_idr"]
    )
    return np.maximum(0.0, need * cost - own).to_numpy(), cost, scenario


@pytest.mark.parametrize("slug", ["dd3_officials", "add_pool_floor20"])
def test_the_floors_are_affordable(frame: pd.DataFrame, slug: str) -> None:
    short, _, scenario = shortfalls(frame, slug)

    assert short.sum() > 0  # the pool is needed ...
    assert short.sum() <= scenario.budget.apbd_pool_idr  # ... and it is enough


def test_the_officials_pool_pays_for_the_kelurahan_only(frame: pd.DataFrame) -> None:
    short, cost, scenario = shortfalls(frame, "dd3_officials")

    kelurahan = (frame["kind"] == "kelurahan").to_numpy()
    assert short[~kelurahan].sum() == 0
    assert short[kelurahan].sum() == frame.loc[kelurahan, "uninsured_village_officials"].sum() * cost
    assert scenario.packages[0].code == "JKK-JKM" and len(scenario.packages) == 1


def test_min_cost_can_reach_19000(frame: pd.DataFrame) -> None:
    scenario = read_scenario(bekasi_scenarios()["min_cost_19000"])
    cost = 16800 * 12
    own = scenario.budget.dana_desa_share * frame["dana_desa_idr"]
    uninsured = sum(frame[f"uninsured_{g}"] for g in GROUPS)

    reachable = np.minimum(uninsured, np.floor(own / cost)).sum()
    reachable += math.floor(scenario.budget.apbd_pool_idr / cost)

    assert scenario.objective == "min_cost"
    assert scenario.targets.min_new_enrollments == 19_000 <= reachable


def test_the_contract_example_is_kept_and_is_infeasible(frame: pd.DataFrame) -> None:
    short, _, scenario = shortfalls(frame, "contract_example")

    assert scenario.budget.apbd_pool_idr == 1_500_000_000
    assert short.sum() > 9 * scenario.budget.apbd_pool_idr  # Rp14.8 billion against Rp1.5


def test_every_scenario_fits_the_table() -> None:
    table = read_villages(BEKASI_VILLAGES)

    for slug, path in bekasi_scenarios().items():
        scenario = read_scenario(path)
        check_scenario_fits(scenario, table)
        assert "Bekasi" in scenario.name, slug
