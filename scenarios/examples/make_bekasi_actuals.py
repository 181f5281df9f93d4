"""Regenerate the Kabupaten Bekasi example actuals, in the shape of a BPJS Ketenagakerjaan branch
report: new enrolments January to June 2026 under the `dd3_officials` plan
(`bekasi_actuals_2026-06.csv`), and April to July 2026 under the `bekasi_2026_april_rules` plan,
fiscal year 2026 from April priced by the contribution rules (`bekasi_actuals_2026-07_rules.csv`).

    python -m scenarios.examples.make_bekasi_actuals

Each plan comes from solving its example scenario on bekasi_villages.csv. Each village's pace is
an ASSUMPTION made here with a fixed seed: most villages enrol their officials early in the plan
(as a dana desa budget line starts), a quarter of them are late; other groups follow at each
village's pace. Re-running this module rewrites the same files byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.examples import BEKASI_RULES_2026, BEKASI_VILLAGES, bekasi_scenarios
from scenarios.files import atomic_write

HERE = Path(__file__).parent
# file, scenario file, seed, the report's first month of 2026 and its months
REPORTS = (
    (HERE / "bekasi_actuals_2026-06.csv", bekasi_scenarios()["dd3_officials"], 2606, 1, 6),  # Jan-Jun
    (HERE / "bekasi_actuals_2026-07_rules.csv", BEKASI_RULES_2026, 2607, 4, 4),  # April to July
)
ACTUALS = REPORTS[0][0]
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


def build(
    scenario_file: Path = REPORTS[0][1], seed: int = 2606, first_month: int = 1, months: int = 6
) -> pd.DataFrame:
    import scenarios
    from models import Problem
    from solver import solve

    table = scenarios.read_villages(BEKASI_VILLAGES)
    scenario = scenarios.read_scenario(scenario_file)
    plan = solve(Problem(table=table, scenario=scenario))
    rng = np.random.default_rng(seed)
    rows = []
    for village in plan.villages:
        late = rng.random() < LATE_SHARE
        # a village's pace through the report's last month, as a share of its whole plan
        officials_pace = rng.uniform(0.15, 0.5) if late else rng.uniform(0.75, 1.0)
        others_pace = rng.uniform(0.1, 0.35) if late else rng.uniform(0.35, 0.65)
        monthly: dict[str, list[int]] = {}
        for group in COLUMNS:
            planned = sum(village.enrollments.get(group, {}).values())
            pace = officials_pace if group == "village_officials" else others_pace
            done = int(round(planned * pace))
            start = 2 if late else 0  # a late village starts two months late
            counts = _monthly(done, months - start, rng, front=0.4 if group == "village_officials" else 0.0)
            monthly[group] = [0] * start + counts
        for month in range(months):
            cells = {COLUMNS[g]: monthly[g][month] for g in COLUMNS}
            if not any(cells.values()):
                continue
            rows.append(
                {
                    "Kode Desa": village.village_code,
                    "Nama Desa": village.village_name,
                    "Kecamatan": village.kecamatan,
                    "Bulan": f"2026-{first_month + month:02d}",
                    **cells,
                }
            )
    return pd.DataFrame(rows)


def main() -> None:
    for path, scenario_file, seed, first_month, months in REPORTS:
        frame = build(scenario_file, seed, first_month, months)
        atomic_write(path, frame.to_csv(sep=";", index=False, lineterminator="\n").encode("utf-8"))
        print(f"wrote {path} ({len(frame)} rows)")


if __name__ == "__main__":
    main()
