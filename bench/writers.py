"""`python -m bench.writers`: the seconds and peak memory of each of a plan's six stored files
(`app.services.plans.FILES_WITH_THE_PLAN`: the planner's workbook in Indonesian, the contract's CSV
and XLSX, the CSV for Indonesian Excel, the workbook and CSV in English) for the Bekasi example,
West Java and the national table, written by this tree's writers and by a reference commit's
(`--ref`, default `integ2`), alternated in one run, with the load average printed beside them.

    python -m bench.writers                              # bekasi, westjava, national
    python -m bench.writers --scales bekasi,westjava --runs 3 --ref integ2

Each scale's plan is solved once and kept as JSON in `--work`. Each run is a fresh process that
reads the plan and then builds the six files as the plan's solver process does after a job
(`app.processes.child.build_files`): seconds per file (process CPU), peak traced memory per file
(a second pass under tracemalloc), and the whole set's CPU seconds."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.instances import build

FILES = ("xlsx-id", "csv", "xlsx", "csv-excel-id-id", "xlsx-en", "csv-excel-id-en")
ROOT = Path(__file__).resolve().parent.parent


def _plan_json(scale: str, work: Path) -> Path:
    """The scale's plan as JSON, solved on first use."""
    from app.cli.pipeline import solve_files
    from models import SolveOptions
    from scenarios.examples import BEKASI_RULES_2026, BEKASI_VILLAGES

    path = work / f"writers_{scale}_plan.json"
    scenario_path = work / f"writers_{scale}_scenario.json"
    if path.exists() and scenario_path.exists():
        return path
    if scale == "bekasi":
        villages, scenario = Path(BEKASI_VILLAGES), Path(BEKASI_RULES_2026)
    else:
        instance = build(scale, work)[0]
        villages, scenario = instance.villages_csv, instance.scenario_json
    plan, _ = solve_files(villages, scenario, work / f"writers_{scale}", SolveOptions(time_limit_s=900.0))
    path.write_text(plan.model_dump_json())
    scenario_path.write_text(scenario.read_text())
    return path


# --- one run, in a process of its own (this tree's code or the reference's on sys.path) ----------


def _orders(plan: Any, scenario: Any) -> list[tuple[str, Any]]:
    """What each stored file's order builds (`app.services.plans.file_orders`), as callables."""
    import scenarios
    from app.i18n import gettext_for

    about = [("Plan", 1), ("Village table", "bench (1)"), ("Scenario version", f"{scenario.name} v1")]
    title = f"Plan 1 · {scenario.name} v1 · bench"
    tr = {lang: gettext_for(lang) for lang in ("id", "en")}
    return [
        ("xlsx-id", lambda: scenarios.targets_workbook_bytes(plan, tr["id"], scenario, about, title)),
        ("csv", lambda: scenarios.targets_csv_bytes(plan)),
        ("xlsx", lambda: scenarios.targets_xlsx_bytes(plan)),
        ("csv-excel-id-id", lambda: scenarios.targets_csv_excel_id_bytes(plan, tr["id"])),
        ("xlsx-en", lambda: scenarios.targets_workbook_bytes(plan, tr["en"], scenario, about, title)),
        ("csv-excel-id-en", lambda: scenarios.targets_csv_excel_id_bytes(plan, tr["en"])),
    ]


def _together(plan: Any) -> Any:
    """The block in which a plan's files share their frames, where the code has one."""
    import contextlib

    import scenarios

    shared = getattr(scenarios, "plan_files", None)
    return shared(plan) if shared is not None else contextlib.nullcontext()


def _one_run(plan_path: str, scenario_path: str, out: str | None) -> dict[str, Any]:
    import tracemalloc

    from models import Plan
    from scenarios import read_scenario

    plan = Plan.model_validate_json(Path(plan_path).read_text())
    scenario = read_scenario(Path(scenario_path))
    _orders(plan, scenario)  # imports done before the clock starts
    seconds: dict[str, float] = {}
    started = time.process_time()
    with _together(plan):
        for variant, make in _orders(plan, scenario):
            begun = time.process_time()
            content = make()
            seconds[variant] = time.process_time() - begun
            if out:
                Path(out, variant).write_bytes(content)
    total = time.process_time() - started
    plan = Plan.model_validate_json(Path(plan_path).read_text())  # nothing kept from the timed pass
    peaks: dict[str, float] = {}
    tracemalloc.start()
    with _together(plan):
        for variant, make in _orders(plan, scenario):
            tracemalloc.reset_peak()
            make()
            peaks[variant] = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return {"seconds": seconds, "total": total, "peak_mb": peaks}


def _reference_tree(ref: str) -> Path:
    """The reference commit's packages in a temporary folder (`git archive`)."""
    folder = Path(tempfile.mkdtemp(prefix="desaplan-writers-ref-"))
    archive = subprocess.run(
        ["git", "archive", ref, "scenarios", "models", "app", "solver", "documents", "maps"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def _run(code: Path, plan: Path, scenario: Path, out: Path | None) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": f"{code}{os.pathsep}{ROOT}"}
    answer = subprocess.run(
        [sys.executable, "-m", "bench.writers", "--one", str(plan), str(scenario), str(out or "")],
        cwd=code if code != ROOT else ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(answer.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.writers", description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="bekasi,westjava,national")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--ref", default="integ2", help="the commit whose writers are the 'before'")
    parser.add_argument("--work", type=Path, default=Path("bench/results"))
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(_one_run(args.one[0], args.one[1], args.one[2] or None)))
        return
    args.work.mkdir(parents=True, exist_ok=True)
    reference = _reference_tree(args.ref)
    # the bench module itself runs from this tree in both cases
    (reference / "bench").symlink_to(ROOT / "bench")
    for scale in args.scales.split(","):
        plan = _plan_json(scale, args.work).resolve()
        scenario = (args.work / f"writers_{scale}_scenario.json").resolve()
        figures: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
        loads = []
        for _ in range(args.runs):
            for side, code in (("before", reference), ("after", ROOT)):
                loads.append(os.getloadavg()[0])
                figures[side].append(_run(code, plan, scenario, None))
        print(f"\n{scale} (load {min(loads):.1f}-{max(loads):.1f}, {args.runs} runs each, best)")
        print(f"{'file':18} {'before s':>9} {'after s':>9} {'ratio':>6} {'before MB':>10} {'after MB':>9}")
        for variant in FILES:
            b = min(r["seconds"][variant] for r in figures["before"])
            a = min(r["seconds"][variant] for r in figures["after"])
            bm = min(r["peak_mb"][variant] for r in figures["before"])
            am = min(r["peak_mb"][variant] for r in figures["after"])
            print(f"{variant:18} {b:9.2f} {a:9.2f} {a / b:6.2f} {bm:10.0f} {am:9.0f}")
        b = min(r["total"] for r in figures["before"])
        a = min(r["total"] for r in figures["after"])
        print(f"{'all six':18} {b:9.2f} {a:9.2f} {a / b:6.2f}", flush=True)


if __name__ == "__main__":
    main()
