"""Regenerate the Kabupaten Bekasi example: the village table and its scenarios.

    python -m scenarios.examples.make_bekasi

The 187 villages, their Kemendagri codes and kecamatan are real (bekasi_village_list.csv, from
cahyadsn/wilayah). Every number per village is an ESTIMATE made here, with a fixed seed, from a
handful of published kabupaten and province figures; scenarios/README.md gives the method and the
sources. Re-running this module rewrites the same files byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.examples.calibration import write_scenarios
from scenarios.files import atomic_write

HERE = Path(__file__).parent
VILLAGE_LIST = HERE / "bekasi_village_list.csv"
TABLE = HERE / "bekasi_villages.csv"
SEED = 2026
KABUPATEN = "Kabupaten Bekasi"  # every village's kabupaten, so a Bekasi planner may solve the example

# Published figures (see scenarios/README.md for the source of each)
POPULATION = 3_387_601  # Kabupaten Bekasi, Kepmendagri 300.2.2-2138/2025
DANA_DESA_TOTAL_IDR = 284_970_000_000  # Kabupaten Bekasi dana desa 2025
WORKERS = 1_500_000  # workers in Kabupaten Bekasi (Feb 2025)
INFORMAL_SHARE = 0.5589  # West Java: informal workers as a share of all workers (Jul 2025)
INFORMAL_ENROLLED_SHARE = 0.065  # West Java: informal workers who are BPU members (Jul 2025)

# Assumptions (ours, labelled as such in the README)
POPULATION_SIGMA = 0.5  # spread of village size: lognormal, median village ~ mean x 0.88
DANA_DESA_EQUAL_PART = 0.70  # the rest follows estimated population
ADD_TO_DANA_DESA = 0.60  # ADD total as a share of the dana desa total
ADD_EQUAL_PART = 0.50
PERANGKAT_PER_DESA = 12  # kepala desa, sekretaris, kaur, kasi, kepala dusun
RESIDENTS_PER_RT = 250
RT_PER_RW = 8

COASTAL = ("Tarumajaya", "Babelan", "Muaragembong")
FARMING = (
    "Pebayuran",
    "Cabangbungin",
    "Sukakarya",
    "Sukatani",
    "Sukawangi",
    "Tambelang",
    "Karang Bahagia",
    "Kedung Waringin",
    "Bojongmangu",
    "Muaragembong",
)
WORKER_GROUPS = ("farmers", "fishers", "construction", "transport", "traders")
GROUPS = (*WORKER_GROUPS, "village_officials")
# shares of a village's informal workers by group, by kind of kecamatan (assumptions)
PROFILES: dict[str, dict[str, float]] = {
    "urban": {"farmers": 0.08, "construction": 0.28, "transport": 0.20, "traders": 0.44},
    "farming": {"farmers": 0.45, "construction": 0.15, "transport": 0.12, "traders": 0.28},
    "coastal": {
        "farmers": 0.12,
        "fishers": 0.08,
        "construction": 0.25,
        "transport": 0.18,
        "traders": 0.37,
    },
    "coastal_farming": {
        "farmers": 0.35,
        "fishers": 0.30,
        "construction": 0.08,
        "transport": 0.07,
        "traders": 0.20,
    },
}


def apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Whole numbers in proportion to `weights` that sum exactly to `total` (largest
    remainder; ties go to the earlier row)."""
    weights = np.asarray(weights, dtype=float)
    if total == 0 or weights.sum() == 0:
        return np.zeros(len(weights), dtype=np.int64)
    raw = total * weights / weights.sum()
    base = np.floor(raw).astype(np.int64)
    rest = int(total - base.sum())
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:rest]] += 1
    return base


def profile(kecamatan: str) -> str:
    if kecamatan in COASTAL:
        return "coastal_farming" if kecamatan in FARMING else "coastal"
    return "farming" if kecamatan in FARMING else "urban"


def priority(kecamatan: str) -> float:
    """1.0, plus 0.25 for a farming kecamatan, plus 0.25 for a coastal one (an assumption that
    rural and coastal villages are poorer; no per-village poverty figures were used)."""
    return 1.0 + 0.25 * (kecamatan in FARMING) + 0.25 * (kecamatan in COASTAL)


def _half_up(values: np.ndarray) -> np.ndarray:
    return np.floor(values + 0.5).astype(np.int64)


def estimate_table(villages: pd.DataFrame, seed: int = SEED) -> pd.DataFrame:
    """The village table in contract columns, estimated from the published totals."""
    rng = np.random.default_rng(seed)
    n = len(villages)
    is_desa = (villages["kind"] == "desa").to_numpy()
    population = apportion(POPULATION, rng.lognormal(0.0, POPULATION_SIGMA, n))

    # dana desa: 70% in equal parts, 30% by population, desa only, in whole thousands of rupiah
    desa_pop = np.where(is_desa, population, 0).astype(float)
    dd_weights = np.where(is_desa, DANA_DESA_EQUAL_PART / is_desa.sum(), 0.0) + (
        (1 - DANA_DESA_EQUAL_PART) * desa_pop / desa_pop.sum()
    )
    dana_desa = apportion(DANA_DESA_TOTAL_IDR // 1000, dd_weights) * 1000
    add_total = round(DANA_DESA_TOTAL_IDR * ADD_TO_DANA_DESA / 1000)
    add_weights = np.where(is_desa, ADD_EQUAL_PART / is_desa.sum(), 0.0) + (
        (1 - ADD_EQUAL_PART) * desa_pop / desa_pop.sum()
    )
    add = apportion(add_total, add_weights) * 1000

    informal_total = round(WORKERS * INFORMAL_SHARE)
    informal = apportion(informal_total, population.astype(float))
    counts: dict[str, np.ndarray] = {g: np.zeros(n, dtype=np.int64) for g in GROUPS}
    for i, kecamatan in enumerate(villages["kecamatan"]):
        shares = PROFILES[profile(kecamatan)]
        split = apportion(int(informal[i]), np.array([shares.get(g, 0.0) for g in WORKER_GROUPS]))
        for g, count in zip(WORKER_GROUPS, split, strict=True):
            counts[g][i] = count
    rt = np.maximum(1, _half_up(population / RESIDENTS_PER_RT))
    rw = np.maximum(1, _half_up(rt / RT_PER_RW))
    # kelurahan staff are civil servants: only their RT and RW heads count here
    counts["village_officials"] = rt + rw + np.where(is_desa, PERANGKAT_PER_DESA, 0)

    table = pd.DataFrame(
        {
            "village_code": villages["village_code"],
            "village_name": villages["village_name"],
            "kecamatan": villages["kecamatan"],
            "kabupaten": KABUPATEN,
            "kind": villages["kind"],
            "population_est": population,
            "dana_desa_idr": dana_desa,
            "add_idr": add,
        }
    )
    for g in GROUPS:
        enrolled = _half_up(counts[g] * INFORMAL_ENROLLED_SHARE)
        table[f"uninsured_{g}"] = counts[g] - enrolled
    for g in GROUPS:
        table[f"enrolled_{g}"] = _half_up(counts[g] * INFORMAL_ENROLLED_SHARE)
    table["priority"] = [priority(k) for k in villages["kecamatan"]]
    return table


def main() -> None:
    villages = pd.read_csv(VILLAGE_LIST, dtype=str, keep_default_na=False)
    table = estimate_table(villages)
    atomic_write(TABLE, table.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    print(f"wrote {TABLE} ({len(table)} villages)")
    for slug, path in write_scenarios(TABLE).items():
        print(f"wrote {path} ({slug})")


if __name__ == "__main__":
    main()
