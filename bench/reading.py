"""Reading the village table: `scenarios.read_villages` (parse, validate, the VillageTable)
against `pandas.read_csv` of the same file with the same dtypes (codes and names as text,
numbers as pandas reads them), alternating, in one process; the best of each counts.

    python -m bench.reading VILLAGES_CSV [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

TARGET_RATIO = 2.0
TEXT_COLUMNS = {"village_code": str, "village_name": str, "kecamatan": str, "kabupaten": str}


def measure(villages_csv: Path, rounds: int = 3) -> dict[str, Any]:
    import pandas as pd

    import scenarios

    times: dict[str, list[float]] = {"read_villages": [], "read_csv": []}
    load = [os.getloadavg()[0]]
    for i in range(rounds):
        sides = ("read_villages", "read_csv") if i % 2 == 0 else ("read_csv", "read_villages")
        for side in sides:
            start = time.perf_counter()
            if side == "read_csv":
                pd.read_csv(villages_csv, dtype=TEXT_COLUMNS)
            else:
                scenarios.read_villages(villages_csv)
            times[side].append(time.perf_counter() - start)
    load.append(os.getloadavg()[0])
    best = {side: min(values) for side, values in times.items()}
    return {
        "seconds": best,
        "ratio": best["read_villages"] / best["read_csv"],
        "rounds": rounds,
        "load": load,
    }


def format_reading(figures: dict[str, Any]) -> str:
    s = figures["seconds"]
    verdict = "meets" if figures["ratio"] <= TARGET_RATIO else "MISSES"
    return (
        f"reading the national table: read_villages {s['read_villages']:.2f} s, pandas.read_csv "
        f"{s['read_csv']:.2f} s: {figures['ratio']:.1f}x (target <= {TARGET_RATIO:.0f}x: {verdict}); "
        f"load {figures['load'][0]:.1f}-{figures['load'][1]:.1f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reading")
    parser.add_argument("villages", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    figures = measure(args.villages, args.rounds)
    print(format_reading(figures))
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
