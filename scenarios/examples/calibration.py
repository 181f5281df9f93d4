"""The Kabupaten Bekasi scenarios, with the money they need worked out by plain arithmetic.

A floor is affordable when each village's cheapest way to meet it (the cheapest package for
every worker the floor requires) is paid by its own money (its share of dana desa and ADD), and
the villages' shortfalls together fit in the APBD pool. That is a sufficient condition for the
scenario to be feasible, and it is how the pools and shares below were chosen.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from models import Scenario, Village, VillageTable
from scenarios.files import atomic_write
from scenarios.scenario_io import scenario_from_dict
from scenarios.village_reader import read_villages

HERE = Path(__file__).parent
SLUGS = ("dd3_officials", "add_pool_floor20", "min_cost_19000", "contract_example")

JKK_JKM = {"code": "JKK-JKM", "monthly_premium_idr": 16800, "value": 1.0}
JKK_JKM_JHT = {"code": "JKK-JKM-JHT", "monthly_premium_idr": 36800, "value": 1.3}
WEIGHTS = {"fishers": 3.0, "construction": 2.5, "farmers": 2.0}

# the example of the contract, section 2, word for word
CONTRACT_EXAMPLE: dict[str, Any] = {
    "name": "Bekasi 2026, 3% of dana desa plus Rp1.5 billion from the APBD",
    "horizon_months": 12,
    "packages": [JKK_JKM, JKK_JKM_JHT],
    "group_weights": WEIGHTS,
    "budget": {"dana_desa_share": 0.03, "add_share": 0.0, "apbd_pool_idr": 1500000000},
    "targets": {
        "min_coverage": 0.2,
        "group_min_coverage": {"village_officials": 1.0},
        "min_new_enrollments": 19000,
    },
    "objective": "max_protection",
    "integer": True,
}

ADD_POOL_IDR = 1_500_000_000
ADD_SHARE_STEP = 0.005
MIN_COST_DANA_DESA_SHARE = 0.02
MIN_COST_POOL_IDR = 500_000_000
MIN_COST_TARGET = 19_000


def _ceil(value: float) -> int:
    return max(0, math.ceil(value - 1e-9))  # 0.2 x 35 is 7.000000000000001, not 8 workers


def floor_workers(village: Village, scenario: Scenario) -> int:
    """New enrolments the scenario's coverage floors require of this village."""
    targets = scenario.targets
    by_group = 0
    for group, share in targets.group_min_coverage.items():
        enrolled = village.enrolled.get(group, 0)
        uninsured = village.uninsured.get(group, 0)
        by_group += min(uninsured, _ceil(share * (enrolled + uninsured) - enrolled))
    enrolled = sum(village.enrolled.values())
    workers = enrolled + sum(village.uninsured.values())
    return max(by_group, _ceil(targets.min_coverage * workers - enrolled))


def cheapest_cost_idr(scenario: Scenario) -> float:
    return min(scenario.annual_cost_idr(p) for p in scenario.packages)


def own_money_idr(village: Village, scenario: Scenario) -> float:
    """What the village may spend of its own: its dana desa cap plus its ADD cap."""
    share = scenario.budget.dana_desa_share if village.max_share is None else village.max_share
    return share * village.dana_desa_idr + scenario.budget.add_share * village.add_idr


def pool_needed_idr(table: VillageTable, scenario: Scenario) -> float:
    """The APBD the floors need beyond the villages' own money (one pool for the table)."""
    cost = cheapest_cost_idr(scenario)
    return sum(
        max(0.0, floor_workers(v, scenario) * cost - own_money_idr(v, scenario)) for v in table.villages
    )


def enrolment_capacity(table: VillageTable, scenario: Scenario, pool_idr: float) -> int:
    """Whole workers the money can enrol at the cheapest package: each village's own money up to
    its uninsured workers, plus what the pool pays for."""
    cost = cheapest_cost_idr(scenario)
    own = sum(
        min(sum(v.uninsured.values()), math.floor(own_money_idr(v, scenario) / cost)) for v in table.villages
    )
    return own + math.floor(pool_idr / cost)


def _juta(idr: float) -> str:
    """Rupiah in millions as an Indonesian planner writes them: `Rp150 juta`."""
    return f"Rp{idr / 1e6:,.0f} juta".replace(",", ".")


def _percent(share: float, decimals: int) -> str:
    """`17,0%`: the Indonesian decimal comma."""
    return f"{share:.{decimals}%}".replace(".", ",")


def build_scenarios(table: VillageTable) -> dict[str, dict[str, Any]]:
    """The example scenarios, calibrated on `table`."""
    officials: dict[str, Any] = {
        "horizon_months": 12,
        "packages": [JKK_JKM],
        "budget": {"dana_desa_share": 0.03},
        "targets": {"group_min_coverage": {"village_officials": 1.0}},
        "objective": "max_protection",
        "integer": True,
    }
    need = pool_needed_idr(table, scenario_from_dict(officials))
    pool = math.ceil(need / 10_000_000) * 10_000_000  # rounded up to Rp10 million
    officials["budget"]["apbd_pool_idr"] = pool
    officials = {
        "name": "Bekasi 2026: semua perangkat desa terlindungi (JKK-JKM) dari 3% dana desa; "
        f"{_juta(pool)} dari APBD untuk perangkat 8 kelurahan",
        **officials,
    }

    floor20: dict[str, Any] = {
        "horizon_months": 12,
        "packages": [JKK_JKM, JKK_JKM_JHT],
        "group_weights": WEIGHTS,
        "budget": {"dana_desa_share": 0.0, "add_share": 0.0, "apbd_pool_idr": ADD_POOL_IDR},
        "targets": {"min_coverage": 0.2},
        "objective": "max_protection",
        "integer": True,
    }
    steps = round(1 / ADD_SHARE_STEP)
    for step in range(1, steps + 1):
        floor20["budget"]["add_share"] = round(step * ADD_SHARE_STEP, 4)
        if pool_needed_idr(table, scenario_from_dict(floor20)) <= ADD_POOL_IDR:
            break
    else:
        raise ValueError("no ADD share makes a 20% floor affordable with Rp1.5 billion APBD")
    add_share = floor20["budget"]["add_share"]
    floor20 = {
        "name": "Bekasi 2026: paling sedikit 20% pekerja informal terlindungi di setiap desa, "
        f"dari {_percent(add_share, 1)} ADD ditambah Rp1,5 miliar dari APBD",
        **floor20,
    }

    min_cost: dict[str, Any] = {
        "name": f"Bekasi 2026: {MIN_COST_TARGET:_} peserta baru dengan biaya terendah, ".replace("_", ".")
        + f"dari paling banyak {_percent(MIN_COST_DANA_DESA_SHARE, 0)} dana desa ditambah "
        f"{_juta(MIN_COST_POOL_IDR)} dari APBD",
        "horizon_months": 12,
        "packages": [JKK_JKM, JKK_JKM_JHT],
        "budget": {
            "dana_desa_share": MIN_COST_DANA_DESA_SHARE,
            "apbd_pool_idr": MIN_COST_POOL_IDR,
        },
        "targets": {"min_new_enrollments": MIN_COST_TARGET},
        "objective": "min_cost",
        "integer": True,
    }
    capacity = enrolment_capacity(table, scenario_from_dict(min_cost), MIN_COST_POOL_IDR)
    if capacity < MIN_COST_TARGET:
        raise ValueError(f"the money enrols at most {capacity} workers")

    return {
        "dd3_officials": officials,
        "add_pool_floor20": floor20,
        "min_cost_19000": min_cost,
        "contract_example": CONTRACT_EXAMPLE,
    }


def write_scenarios(table_path: Path) -> dict[str, Path]:
    """Calibrate the scenarios on the table at `table_path` and write them next to it."""
    table = read_villages(table_path)
    paths = {}
    for slug, data in build_scenarios(table).items():
        scenario_from_dict(data, source=slug)  # every example must be a valid scenario
        path = table_path.parent / f"{slug}.json"
        atomic_write(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode())
        paths[slug] = path
    return paths
