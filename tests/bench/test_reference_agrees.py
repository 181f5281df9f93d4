"""The planner against an independent build of the contract's model.

`bench/reference.py` writes CONTRACT section 3 literally (y, w and z per village, the balance as an
equality) as one sparse matrix for HiGHS, with its own reading of the files. Its optimum must be the
planner's, whatever path the planner takes (whole block, blocks per kabupaten, the pool's price)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import scenarios
from bench import reference
from models import Problem, SolveOptions, Status
from scenarios.examples import BEKASI_VILLAGES, bekasi_scenarios
from solver import solve


def _continuous(slug: str, tmp_path: Path, **changes: object) -> Path:
    data = json.loads(bekasi_scenarios()[slug].read_text())
    data["integer"] = False
    for key, value in changes.items():
        section, _, field = key.partition("__")
        if field:
            data.setdefault(section, {})[field] = value
        else:
            data[section] = value
    path = tmp_path / f"{slug}.json"
    path.write_text(json.dumps(data))
    return path


def _kabupaten_table(tmp_path: Path) -> Path:
    """The Bekasi villages split into two kabupaten, so pools per kabupaten mean something."""
    frame = scenarios.villages_frame(scenarios.read_villages(BEKASI_VILLAGES))
    frame["kabupaten"] = ["Utara" if i % 2 else "Selatan" for i in range(len(frame))]
    path = tmp_path / "two_kabupaten.csv"
    frame.to_csv(path, index=False)
    return path


CASES = [
    ("dd3_officials", {}),
    ("add_pool_floor20", {}),
    ("min_cost_19000", {}),
    ("add_pool_floor20", {"group_weights": {"fishers": 3.0, "construction": 2.5}}),
]


@pytest.mark.parametrize(("slug", "changes"), CASES)
@pytest.mark.parametrize("price_the_pool", [False, True])
def test_same_optimum_as_the_reference(
    slug: str, changes: dict, price_the_pool: bool, tmp_path: Path
) -> None:
    scenario_path = _continuous(slug, tmp_path, **changes)
    expected = reference.run(BEKASI_VILLAGES, scenario_path)
    assert expected.status == "Optimal"
    options = SolveOptions(price_pool_min_villages=1 if price_the_pool else 10**9)
    plan = solve(
        Problem(
            table=scenarios.read_villages(BEKASI_VILLAGES), scenario=scenarios.read_scenario(scenario_path)
        ),
        options,
    )
    assert plan.status == Status.optimal
    assert plan.objective == pytest.approx(expected.objective, rel=1e-6)


def test_pools_per_kabupaten_same_optimum_as_the_reference(tmp_path: Path) -> None:
    villages = _kabupaten_table(tmp_path)
    scenario_path = _continuous(
        "add_pool_floor20", tmp_path, budget__apbd_pool_idr={"Utara": 1.5e9, "Selatan": 1.2e9}
    )
    expected = reference.run(villages, scenario_path)
    plan = solve(
        Problem(table=scenarios.read_villages(villages), scenario=scenarios.read_scenario(scenario_path))
    )
    assert plan.status == Status.optimal and plan.blocks == 2
    assert plan.objective == pytest.approx(expected.objective, rel=1e-6)
