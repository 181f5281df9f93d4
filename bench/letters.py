"""`python -m bench.letters`: how long the villages' letters take, for the Bekasi example (187
letters, its 2026 rules-priced plan) and for the national table (83,762 letters, the bench's own
national scenario): the letters' data, then every letter compiled, cut into one PDF per village and
joined into one PDF (`documents.write_letters`, what `desaplan letters` runs). Prints figures.

    python -m bench.letters                      # Bekasi, then national (a national solve first)
    python -m bench.letters --scales bekasi --workers 1,2
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from bench.instances import build
from scenarios.examples import BEKASI_RULES_2026, BEKASI_VILLAGES


def _plan(villages: Path, scenario: Path, work: Path) -> tuple[object, float]:
    from app.pipeline import solve_files

    from models import SolveOptions

    start = time.perf_counter()
    plan, _ = solve_files(villages, scenario, work, SolveOptions(time_limit_s=900.0))
    return plan, time.perf_counter() - start


def measure(plan: object, workers: int, kabupaten: str) -> dict[str, float]:
    from documents import Letterhead, PlanRef, letter_book, write_letters

    out = Path(tempfile.mkdtemp(prefix="desaplan-letters-"))
    try:
        load = os.getloadavg()[0]
        start = time.perf_counter()
        book = letter_book(plan, Letterhead(kabupaten=kabupaten), PlanRef("bench"), "id")  # type: ignore[arg-type]
        data_s = time.perf_counter() - start
        written = write_letters(book, out, workers=workers)
        total_s = time.perf_counter() - start
        size = sum(p.stat().st_size for p in written)
        merged = (out / "letters.pdf").stat().st_size
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return {
        "letters": len(written),
        "data_s": data_s,
        "total_s": total_s,
        "ms_per_letter": 1000 * total_s / max(1, len(written)),
        "villages_mb": size / 1e6,
        "merged_mb": merged / 1e6,
        "load_before": load,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.letters", description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="bekasi,national")
    parser.add_argument(
        "--workers", default=f"1,{os.cpu_count() or 1}", help="process counts to measure, comma-separated"
    )
    parser.add_argument("--work", type=Path, default=Path("bench/results"))
    args = parser.parse_args()
    counts = sorted({int(w) for w in args.workers.split(",")})
    for scale in args.scales.split(","):
        work = args.work / f"letters_{scale}"
        if scale == "bekasi":
            plan, solve_s = _plan(BEKASI_VILLAGES, BEKASI_RULES_2026, work)
            kabupaten = "Bekasi"
        else:
            instance = build(scale, args.work)[0]
            plan, solve_s = _plan(instance.villages_csv, instance.scenario_json, work)
            kabupaten = ""
        print(f"{scale}: plan solved in {solve_s:.1f} s ({plan.status.value})", flush=True)  # type: ignore[attr-defined]
        for workers in counts:
            if scale != "bekasi" and workers == 1 and len(counts) > 1:
                continue  # national: the parallel run only, one is long enough
            f = measure(plan, workers, kabupaten)
            print(
                f"  {f['letters']:>6,} letters, {workers} process(es): {f['total_s']:7.1f} s "
                f"({f['ms_per_letter']:.1f} ms a letter; data {f['data_s']:.1f} s), villages' PDFs "
                f"{f['villages_mb']:,.0f} MB, merged PDF {f['merged_mb']:,.0f} MB, load before "
                f"{f['load_before']:.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
