"""Benchmark instances: the real village lists of bench/data/ with synthetic money and workers.

Every figure that the public sources do not give per village (workers, enrolment, dana desa, ADD,
priority) is drawn from the distributions documented in bench/README.md with a fixed seed, so the
same scale always gives the same table. Instances are written as contract village tables (CSV) and
scenario JSON, so the command line reads them exactly as it reads a planner's own files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

DATA_DIR = Path(__file__).parent / "data"  # copies of public data: bench/data/SOURCES.md
VILLAGES_GZ = DATA_DIR / "villages_indonesia.csv.gz"
POPULATION_CSV = DATA_DIR / "population_regency.csv"

SEED = 20260
GROUPS = ["farmers", "fishers", "construction", "transport", "traders", "village_officials"]
GROUP_WEIGHTS = {
    "farmers": 2.0,
    "fishers": 3.0,
    "construction": 2.5,
    "transport": 1.5,
    "traders": 1.2,
    "village_officials": 1.0,
}
# Dirichlet concentration of the informal workers over the five occupational groups
GROUP_ALPHA = np.array([6.0, 1.0, 2.5, 1.5, 3.0])
PACKAGES: list[dict[str, Any]] = [
    {"code": "JKK-JKM", "monthly_premium_idr": 16800, "value": 1.0},
    {"code": "JKK-JKM-JHT", "monthly_premium_idr": 36800, "value": 1.3},
]
HORIZON_MONTHS = 12
DANA_DESA_SHARE = 0.03
ADD_SHARE = 0.10
MIN_COVERAGE = 0.20
OFFICIALS_FLOOR = 1.0
INFORMAL_SHARE_OF_POPULATION = 0.27  # labour force ~ half the population, ~55% of it informal
# the pool pays every shortfall of the floors plus this share of the floors' total cheapest cost,
# far less than enrolling everybody: the pool binds
POOL_HEADROOM = 0.15


@dataclass(frozen=True)
class Instance:
    """One benchmark case: a village table and a scenario on disk."""

    scale: str
    variant: str
    villages_csv: Path
    scenario_json: Path
    villages: int
    kabupaten: int

    @property
    def name(self) -> str:
        return f"{self.scale}/{self.variant}"


SCALES: dict[str, list[str]] = {
    "bekasi": ["one_pool"],
    "westjava": ["pool_per_kabupaten"],
    "national": ["pool_per_kabupaten", "one_pool"],
}


def _select(scale: str) -> pd.DataFrame:
    frame = pd.read_csv(VILLAGES_GZ, dtype=str)
    if scale == "bekasi":
        frame = frame[frame["regency_code"] == "32.16"]
    elif scale == "westjava":
        frame = frame[frame["province_code"] == "32"]
    elif scale != "national":
        raise ValueError(f"unknown scale '{scale}' (known: {', '.join(SCALES)})")
    return frame.sort_values("village_code").reset_index(drop=True)


def _population_per_village(frame: pd.DataFrame) -> np.ndarray:
    """Mean population of a village: its kabupaten's population over its village count
    (the province's mean for the few kabupaten the population file lacks)."""
    population = pd.read_csv(POPULATION_CSV, dtype={"code": str}).set_index("code")["total"]
    all_villages = pd.read_csv(VILLAGES_GZ, dtype=str, usecols=["regency_code", "province_code"])
    per_regency = (
        population.reindex(all_villages["regency_code"].unique())
        / all_villages["regency_code"].value_counts()
    )
    per_province = (
        population.reindex(all_villages["province_code"].unique())
        / all_villages["province_code"].value_counts()
    )
    mean = frame["regency_code"].map(per_regency)
    mean = mean.fillna(frame["province_code"].map(per_province)).fillna(3_400.0)
    return mean.to_numpy(dtype=float)


def village_table(scale: str, seed: int = SEED) -> pd.DataFrame:
    """The contract village table of one scale (one row per desa or kelurahan)."""
    frame = _select(scale)
    # draws are made for every village of Indonesia and picked by position, so a village has the
    # same figures at every scale
    rng = np.random.default_rng(seed)
    n_all = 83_762
    draws = _draws(rng, n_all)
    index = _national_index(frame)
    n = len(frame)
    kelurahan = (frame["kind"] == "kelurahan").to_numpy()
    population = _population_per_village(frame) * draws["population_jitter"][index]
    informal = np.floor(population * INFORMAL_SHARE_OF_POPULATION).astype(np.int64)
    split = draws["group_split"][index]
    by_group = np.floor(informal[:, None] * split).astype(np.int64)
    officials = np.where(kelurahan, 0, draws["officials"][index])
    workers = np.column_stack([by_group, officials])
    enrolled = np.floor(workers * draws["enrolled_share"][index][:, None]).astype(np.int64)
    enrolled[:, -1] = np.floor(officials * draws["officials_enrolled_share"][index])
    uninsured = workers - enrolled
    dana_desa = np.where(kelurahan, 0.0, np.round(draws["dana_desa"][index], -3))
    add = np.where(kelurahan, 0.0, np.round(draws["add"][index], -3))
    table = pd.DataFrame(
        {
            "village_code": frame["village_code"],
            "village_name": frame["village_name"],
            "kecamatan": frame["district_name"],
            "kabupaten": frame["regency_code"],
            "dana_desa_idr": dana_desa,
            "add_idr": add,
        }
    )
    for j, group in enumerate(GROUPS):
        table[f"uninsured_{group}"] = uninsured[:, j]
    for j, group in enumerate(GROUPS):
        table[f"enrolled_{group}"] = enrolled[:, j]
    table["priority"] = np.round(draws["priority"][index], 3)
    assert len(table) == n
    return table


def _national_index(frame: pd.DataFrame) -> np.ndarray:
    """Each village's row in the national list, so its random figures do not depend on the scale."""
    codes = pd.read_csv(VILLAGES_GZ, dtype=str, usecols=["village_code"])["village_code"]
    position = pd.Series(np.arange(len(codes)), index=codes.sort_values().to_numpy())
    return position.reindex(frame["village_code"]).to_numpy()


def _draws(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Every random figure of every village of Indonesia, in village-code order."""
    return {
        "population_jitter": rng.lognormal(-0.125, 0.5, n),  # mean 1
        "group_split": rng.dirichlet(GROUP_ALPHA, n),
        "officials": rng.poisson(14, n) + 4,
        "enrolled_share": rng.beta(2.0, 18.0, n),  # mean 10%
        "officials_enrolled_share": rng.beta(2.0, 6.0, n),  # mean 25%
        "dana_desa": 950e6 * rng.lognormal(-0.045, 0.3, n),  # mean Rp0.95 billion
        "add": 450e6 * rng.lognormal(-0.08, 0.4, n),  # mean Rp0.45 billion
        "priority": 0.8 + 0.7 * rng.beta(2.0, 3.0, n),  # 0.8 .. 1.5
    }


def floor_shortfall_idr(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per village: the cheapest cost of its floors beyond its own dana desa and ADD caps (>= 0),
    and the cheapest cost of its floors."""
    uninsured = table[[f"uninsured_{g}" for g in GROUPS]].to_numpy(dtype=float)
    enrolled = table[[f"enrolled_{g}" for g in GROUPS]].to_numpy(dtype=float)
    officials_needed = np.maximum(
        0.0, OFFICIALS_FLOOR * (uninsured[:, -1] + enrolled[:, -1]) - enrolled[:, -1]
    )
    coverage_needed = MIN_COVERAGE * (uninsured.sum(1) + enrolled.sum(1)) - enrolled.sum(1)
    needed = np.maximum(officials_needed, coverage_needed).clip(min=0.0)
    cheapest = min(p["monthly_premium_idr"] for p in PACKAGES) * HORIZON_MONTHS
    own = DANA_DESA_SHARE * table["dana_desa_idr"].to_numpy() + ADD_SHARE * table["add_idr"].to_numpy()
    return np.maximum(0.0, needed * cheapest - own), needed * cheapest


def scenario(table: pd.DataFrame, scale: str, variant: str) -> dict[str, object]:
    """The scenario of one case; pools cover every floor's shortfall and bind."""
    shortfall, floor_cost = floor_shortfall_idr(table)
    by_kab = (
        pd.DataFrame({"k": table["kabupaten"], "s": shortfall, "f": floor_cost}).groupby("k", sort=True).sum()
    )
    pools = np.ceil((by_kab["s"] + POOL_HEADROOM * by_kab["f"]) / 1e6) * 1e6
    pool: float | dict[str, float]
    if variant == "pool_per_kabupaten":
        pool = {str(k): float(v) for k, v in pools.items()}
    else:
        pool = float(pools.sum())
    return {
        "name": f"bench {scale} {variant}",
        "horizon_months": HORIZON_MONTHS,
        "packages": PACKAGES,
        "group_weights": GROUP_WEIGHTS,
        "budget": {
            "dana_desa_share": DANA_DESA_SHARE,
            "add_share": ADD_SHARE,
            "apbd_pool_idr": pool,
        },
        "targets": {
            "min_coverage": MIN_COVERAGE,
            "group_min_coverage": {"village_officials": OFFICIALS_FLOOR},
        },
        "objective": "max_protection",
        "integer": False,
    }


def build(scale: str, work: Path, seed: int = SEED) -> list[Instance]:
    """Write the village table and the scenarios of one scale into `work` (cached by seed)."""
    work.mkdir(parents=True, exist_ok=True)
    villages_csv = work / f"{scale}_{seed}_villages.csv"
    table: pd.DataFrame | None = None
    if not villages_csv.exists():
        table = village_table(scale, seed)
        partial = villages_csv.with_suffix(".part")
        table.to_csv(partial, index=False)
        partial.replace(villages_csv)
    instances = []
    for variant in SCALES[scale]:
        scenario_json = work / f"{scale}_{seed}_{variant}.json"
        if table is None:
            table = pd.read_csv(villages_csv, dtype={"village_code": str, "kabupaten": str})
        if not scenario_json.exists():
            scenario_json.write_text(json.dumps(scenario(table, scale, variant), indent=1))
        instances.append(
            Instance(
                scale=scale,
                variant=variant,
                villages_csv=villages_csv,
                scenario_json=scenario_json,
                villages=len(table),
                kabupaten=table["kabupaten"].nunique(),
            )
        )
    return instances
