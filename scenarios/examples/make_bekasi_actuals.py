"""Regenerate the Kabupaten Bekasi example actuals: new enrolments January to June 2026 under the
`dd3_officials` plan, in the shape of a BPJS Ketenagakerjaan branch report.

    python -m scenarios.examples.make_bekasi_actuals

The plan comes from solving the example (scenarios/examples/dd3_officials.json on
bekasi_villages.csv). Each village's pace is an ASSUMPTION made here with a fixed seed: most
villages enrol their officials early in the year (as a dana desa budget line starts), a quarter of
them are late; other groups follow at each village's pace. Re-running this module rewrites the same
file byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.examples import BEKASI_VILLAGES, bekasi_scenarios
from scenarios.files import atomic_write

HERE = Path(__file__).parent
ACTUALS = HERE / "bekasi_actuals_2026-06.csv"
SEED = 2606
MONTHS = 6  # January to June 2026
LATE_SHARE = 0.25  # villages whose enrolment started late
# the report's group columns, as the branch office writes them
COLUMNS = {
    "village_officials": "Terdaftar Perangkat Desa",
    "farmers": "Terdaftar Petani",
    "fishers": "Terdaftar Nelayan",
    "construction": "Terdaftar Pekerja Konstruksi",
    "transport": "Terdaftar Pekerja Transportasi",
    "traders": "Terdaftar Pedagang",
}


def _monthly(total: int, months: int, rng: np.random.Generator, front: float) -> list[int]:
    """`total` enrolments over `months`, front-loaded by `front` (0: even)."""
    weights = np.array([(1 + front) ** (months - m) for m in range(months)], dtype=float)
    weights /= weights.sum()
    counts = rng.multinomial(total, weights) if total else np.zeros(months, dtype=int)
    return [int(c) for c in counts]


def build() -> pd.DataFrame:
    import scenarios
    from models import Problem
    from solver import solve

    table = scenarios.read_villages(BEKASI_VILLAGES)
    scenario = scenarios.read_scenario(bekasi_scenarios()["dd3_officials"])
    plan = solve(Problem(table=table, scenario=scenario))
    rng = np.random.default_rng(SEED)
    rows = []
    for village in plan.villages:
        late = rng.random() < LATE_SHARE
        # a village's pace through June, as a share of its whole-year plan
        officials_pace = rng.uniform(0.15, 0.5) if late else rng.uniform(0.75, 1.0)
        others_pace = rng.uniform(0.1, 0.35) if late else rng.uniform(0.35, 0.65)
        monthly: dict[str, list[int]] = {}
        for group in COLUMNS:
            planned = sum(village.enrollments.get(group, {}).values())
            pace = officials_pace if group == "village_officials" else others_pace
            done = int(round(planned * pace))
            start = 2 if late else 0  # a late village starts in March
            counts = _monthly(done, MONTHS - start, rng, front=0.4 if group == "village_officials" else 0.0)
            monthly[group] = [0] * start + counts
        for month in range(MONTHS):
            cells = {COLUMNS[g]: monthly[g][month] for g in COLUMNS}
            if not any(cells.values()):
                continue
            rows.append(
                {
                    "Kode Desa": village.village_code,
                    "Nama Desa": village.village_name,
                    "Kecamatan": village.kecamatan,
                    "Bulan": f"2026-{month + 1:02d}",
                    **cells,
                }
            )
    return pd.DataFrame(rows)


def main() -> None:
    frame = build()
    atomic_write(ACTUALS, frame.to_csv(sep=";", index=False, lineterminator="\n").encode("utf-8"))
    print(f"wrote {ACTUALS} ({len(frame)} rows)")


if __name__ == "__main__":
    main()
