"""The yardstick of the whole path: an ideal pipeline, run as a whole process beside `desaplan solve`.

The ideal pipeline (`python -m bench.ideal pipeline VILLAGES SCENARIO OUT [--ties]`): the village
table read by `pandas.read_csv`, the blocks no constraint links (one per kabupaten with a pool of its
own) built as numpy/CSR (`bench.floor.build`: contract section 3, money in millions) and solved one
after another by highspy with primal simplex, and a targets CSV (one row per village: the
enrolments by group and package, the rupiah from each source) written by pandas. With `--ties` it
also walks the two LP passes of the order of preference on each block (the least pool money, then
the fewest rupiah, each on the optimal face of the one before, from HiGHS's basis), as
`solver.preference` does; not the even sharing.

`python -m bench.ideal` runs, for each scale, `desaplan solve` (the command line as a planner runs
it, every default but a long time limit), the ideal pipeline and the ideal with the two tie passes,
each in a fresh process, alternated (the order reversed every round), and prints the CPU seconds of
the whole process tree (`os.wait4`: the process and every child it waited for, the solver's workers
included), the wall seconds, the peak RSS of the largest process of the tree, the ratios to the
ideal and the machine's 1-minute load average around each run. Objectives: desaplan's (plan.json)
against the ideal's, to 1e-9 relative (FAIL otherwise, exit status 1).

    python -m bench.ideal                              # bekasi, westjava, national, synthetic
    python -m bench.ideal --scales bekasi,westjava --rounds 3

Scales: `bekasi` the example table (scenarios/examples/bekasi_villages.csv, 187 villages) with the
example scenario dd3_officials solved continuous (the yardstick is an LP); `westjava` (5,957) and
`national` (83,762) the bench's instances, one pool per kabupaten (bench/instances.py); `synthetic`
200,000 villages: the national table repeated with fresh codes and kabupaten names, a pool each.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCALES = ("bekasi", "westjava", "national", "synthetic")
SYNTHETIC_VILLAGES = 200_000
OBJECTIVE_RTOL = 1e-9
TARGETS = {"bekasi": None, "westjava": 1.5, "national": 1.5, "synthetic": 1.5}
BEKASI_CPU_TARGET_S = 0.6
# above this many villages each side runs once a round, below `--rounds` times
ROUNDS_MAX_VILLAGES = 20_000


# ---------------------------------------------------------------------------------------------
# the ideal pipeline, in a process of its own


def _prefer(h: Any, lp: Any) -> None:
    """The two LP passes of the order of preference on the optimal face HiGHS holds: the least
    pool money (z), then the fewest rupiah (premiums of x), each with the columns of non-zero
    reduced cost held at their bound and the rows of non-zero dual held tight."""
    import highspy
    import numpy as np

    n = lp.n_villages
    n_x = n * lp.n_groups * lp.n_packages
    n_cols = len(lp.cost)
    col_lower, col_upper = lp.col_lower.copy(), lp.col_upper.copy()
    row_lower, row_upper = lp.row_lower.copy(), lp.row_upper.copy()
    pool = np.zeros(n_cols)
    pool[n_x + 2 * n :] = 1.0
    # the balance rows hold premium x coefficients: the rupiah of x are the y + w + z they fund
    rupiah = np.zeros(n_cols)
    rupiah[n_x:] = 1.0
    eps = 1e-7
    for cost in (pool, rupiah):
        sol = h.getSolution()
        value, dual = np.asarray(sol.col_value), np.asarray(sol.col_dual)
        cols = np.nonzero((np.abs(dual) > eps) & (col_lower < col_upper))[0]
        if len(cols):
            at = np.where(
                np.abs(value[cols] - col_lower[cols]) <= np.abs(value[cols] - col_upper[cols]),
                col_lower[cols],
                col_upper[cols],
            )
            h.changeColsBounds(len(cols), cols.astype(np.int32), at, at)
            col_lower[cols] = col_upper[cols] = at
        row_value, row_dual = np.asarray(sol.row_value), np.asarray(sol.row_dual)
        rows = np.nonzero((np.abs(row_dual) > eps) & (row_lower < row_upper))[0]
        if len(rows):
            with np.errstate(invalid="ignore"):
                at = np.where(
                    np.abs(row_value[rows] - row_lower[rows]) <= np.abs(row_value[rows] - row_upper[rows]),
                    row_lower[rows],
                    row_upper[rows],
                )
            h.changeRowsBounds(len(rows), rows.astype(np.int32), at, at)
            row_lower[rows] = row_upper[rows] = at
        h.changeColsCost(n_cols, np.arange(n_cols, dtype=np.int32), cost)
        h.changeObjectiveSense(highspy.ObjSense.kMinimize)
        h.run()


def pipeline(villages_csv: Path, scenario_json: Path, out_dir: Path, ties: bool) -> dict[str, Any]:
    """Read, build, solve and write as an ideal program would; the objective and seconds per step."""
    import numpy as np
    import pandas as pd

    from bench import floor, reference

    t0 = time.perf_counter()
    table, scenario = reference.read_inputs(villages_csv, scenario_json)
    t1 = time.perf_counter()
    parts = floor.blocks(table, scenario)
    lps = floor.build(table, scenario)
    t2 = time.perf_counter()
    objective, status = 0.0, "optimal"
    x_parts, money_parts = [], []
    for lp in lps:
        h = reference.to_highs(lp, floor.METHOD)
        h.run()
        if h.getModelStatus() != __import__("highspy").HighsModelStatus.kOptimal:
            status = h.modelStatusToString(h.getModelStatus())
            break
        objective += h.getInfo().objective_function_value
        if ties:
            _prefer(h, lp)
        value = np.asarray(h.getSolution().col_value)
        n, n_x = lp.n_villages, lp.n_villages * lp.n_groups * lp.n_packages
        x_parts.append(value[:n_x].reshape(n, lp.n_groups * lp.n_packages))
        money_parts.append(value[n_x:].reshape(3, n).T * floor.MILLION)
    t3 = time.perf_counter()
    if status == "optimal":
        if scenario.get("objective", "max_protection") == "min_cost":
            objective *= floor.MILLION
        groups = [c.removeprefix("uninsured_") for c in table.columns if c.startswith("uninsured_")]
        packages = [p["code"] for p in scenario["packages"]]
        ordered = pd.concat([part[["village_code", "village_name", "kecamatan"]] for part in parts])
        x = np.vstack(x_parts)
        money = np.vstack(money_parts)
        data: dict[str, Any] = {
            "village_code": ordered["village_code"].to_numpy(),
            "village_name": ordered["village_name"].to_numpy(),
            "kecamatan": ordered["kecamatan"].to_numpy(),
            "new_enrollments": np.round(x.sum(1), 6),
        }
        for j, (g, p) in enumerate((g, p) for g in groups for p in packages):
            data[f"new_{g}_{p}"] = np.round(x[:, j], 6)
        for j, source in enumerate(("spend_dana_desa_idr", "spend_add_idr", "spend_apbd_idr")):
            data[source] = np.rint(money[:, j]).astype(np.int64)
        out_dir.mkdir(parents=True, exist_ok=True)
        pd.DataFrame(data).to_csv(out_dir / "targets.csv", index=False)
    t4 = time.perf_counter()
    return {
        "status": status,
        "objective": objective if status == "optimal" else None,
        "blocks": len(lps),
        "seconds": {"read": t1 - t0, "build": t2 - t1, "solve": t3 - t2, "write": t4 - t3, "total": t4 - t0},
    }


# ---------------------------------------------------------------------------------------------
# the instances


def _bekasi(work: Path) -> tuple[Path, Path, int]:
    from scenarios import examples

    scenario = json.loads(examples.bekasi_scenarios()["dd3_officials"].read_text())
    scenario["integer"] = False  # the yardstick is an LP
    path = work / "ideal_bekasi_dd3_officials_lp.json"
    work.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(scenario, indent=1))
    return examples.BEKASI_VILLAGES, path, 187


def _synthetic(work: Path, n: int = SYNTHETIC_VILLAGES) -> tuple[Path, Path, int]:
    """The national instance repeated to `n` rows: fresh 10-digit codes, each copy's kabupaten a
    name of its own (so every copy's kabupaten is a block with its own pool)."""
    import numpy as np
    import pandas as pd

    from bench import instances

    villages_csv = work / f"synthetic_{n}_villages.csv"
    scenario_json = work / f"synthetic_{n}_pool_per_kabupaten.json"
    if villages_csv.exists() and scenario_json.exists():
        return villages_csv, scenario_json, n
    national = instances.build("national", work)[0]
    base = pd.read_csv(national.villages_csv, dtype={"village_code": str, "kabupaten": str})
    copies = -(-n // len(base))
    table = pd.concat([base] * copies, ignore_index=True).iloc[:n].copy()
    copy = np.repeat(np.arange(copies), len(base))[:n]
    number = 1_000_000_000 + np.arange(n)
    digits = pd.Series(number.astype(str))
    table["village_code"] = (
        digits.str[:2] + "." + digits.str[2:4] + "." + digits.str[4:6] + "." + digits.str[6:]
    ).to_numpy()
    own = base["kabupaten"].iloc[np.arange(n) % len(base)].reset_index(drop=True)
    table["kabupaten"] = ("Kabupaten Sintetis " + pd.Series(copy + 1).astype(str) + "-" + own).to_numpy()
    part = villages_csv.with_suffix(".part")
    table.to_csv(part, index=False)
    part.replace(villages_csv)
    scenario = instances.scenario(table, "synthetic", "pool_per_kabupaten")
    scenario_json.write_text(json.dumps(scenario, indent=1))
    return villages_csv, scenario_json, n


def instance(scale: str, work: Path) -> tuple[Path, Path, int]:
    if scale == "bekasi":
        return _bekasi(work)
    if scale == "synthetic":
        return _synthetic(work)
    from bench import instances

    case = next(i for i in instances.build(scale, work / "instances") if i.variant == "pool_per_kabupaten")
    return case.villages_csv, case.scenario_json, case.villages


# ---------------------------------------------------------------------------------------------
# measuring whole processes


@dataclass
class Run:
    side: str
    ok: bool
    cpu_s: float = 0.0
    wall_s: float = 0.0
    peak_mb: float = 0.0
    objective: float | None = None
    load: tuple[float, float] = (0.0, 0.0)
    error: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


def whole_process(command: list[str], timeout_s: float) -> tuple[int, float, float, float, str]:
    """Run a command to its end: exit status, CPU seconds of its whole tree (`os.wait4`: its own and
    every child's it waited for), wall seconds, the peak RSS (MB) of its largest process, stderr's tail."""
    import tempfile

    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err)
        deadline = start + timeout_s
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.002)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = " | ".join(err.read().decode(errors="replace").strip().splitlines()[-3:])
    return process.returncode, usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024, tail


def _desaplan() -> list[str]:
    script = Path(sys.executable).parent / "desaplan"
    return [str(script)] if script.exists() else [sys.executable, "-m", "app.cli"]


def measure(side: str, villages: Path, scenario: Path, out: Path, timeout_s: float) -> Run:
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("plan.json", "ideal.json"):
        (out / stale).unlink(missing_ok=True)
    if side == "desaplan":
        command = [
            *_desaplan(),
            "solve",
            "--villages",
            str(villages),
            "--scenario",
            str(scenario),
            "--out",
            str(out),
            "--quiet",
            "--time-limit",
            str(timeout_s),
        ]
    else:
        command = [sys.executable, "-m", "bench.ideal", "pipeline", str(villages), str(scenario), str(out)]
        if side == "ideal+ties":
            command.append("--ties")
    load_before = os.getloadavg()[0]
    code, cpu, wall, peak, tail = whole_process(command, timeout_s)
    load = (load_before, os.getloadavg()[0])
    if code != 0:
        return Run(side, False, cpu, wall, peak, load=load, error=f"exit {code}: {tail}")
    answer = json.loads((out / ("plan.json" if side == "desaplan" else "ideal.json")).read_text())
    detail = {"seconds": answer.get("seconds")} if side != "desaplan" else {"status": answer.get("status")}
    return Run(side, True, cpu, wall, peak, answer.get("objective"), load, detail=detail)


def _best(runs: list[Run]) -> Run:
    ok = [r for r in runs if r.ok]
    return min(ok, key=lambda r: r.cpu_s) if ok else runs[-1]


def compare(scale: str, work: Path, rounds: int, timeout_s: float) -> dict[str, Any]:
    villages, scenario, n = instance(scale, work)
    sides = ["desaplan", "ideal", "ideal+ties"]
    runs: dict[str, list[Run]] = {s: [] for s in sides}
    for r in range(rounds if n <= ROUNDS_MAX_VILLAGES else 1):
        for side in sides if r % 2 == 0 else sides[::-1]:
            runs[side].append(measure(side, villages, scenario, work / "ideal_out" / scale / side, timeout_s))
    best = {s: _best(runs[s]) for s in sides}
    ours, ideal = best["desaplan"], best["ideal"]
    rel = None
    if ours.objective is not None and ideal.objective is not None:
        rel = abs(ours.objective - ideal.objective) / max(1.0, abs(ideal.objective))
    return {
        "scale": scale,
        "villages": n,
        "runs": {s: [r.__dict__ for r in runs[s]] for s in sides},
        "best": {s: best[s].__dict__ for s in sides},
        "objective_rel_diff": rel,
        "objectives_agree": rel is not None and rel <= OBJECTIVE_RTOL,
    }


def _load(run: dict[str, Any]) -> str:
    return f"{run['load'][0]:.1f}-{run['load'][1]:.1f}"


def format_row(result: dict[str, Any]) -> list[str]:
    best = result["best"]
    ideal = best["ideal"]
    lines = []
    for side in ("desaplan", "ideal", "ideal+ties"):
        run = best[side]
        if not run["ok"]:
            lines.append(f"{result['scale']:<10} {result['villages']:>8,} {side:<11} FAILED {run['error']}")
            continue
        ratio = run["cpu_s"] / ideal["cpu_s"] if ideal["ok"] and ideal["cpu_s"] else float("nan")
        wall_ratio = run["wall_s"] / ideal["wall_s"] if ideal["ok"] and ideal["wall_s"] else float("nan")
        objective = f"{run['objective']:,.6f}" if run["objective"] is not None else "-"
        lines.append(
            f"{result['scale']:<10} {result['villages']:>8,} {side:<11} {run['cpu_s']:>8.2f} "
            f"{run['wall_s']:>8.2f} {run['peak_mb']:>7.0f} {ratio:>7.2f}x {wall_ratio:>7.2f}x "
            f"{objective:>22} {_load(run):>9}"
        )
    rel = result["objective_rel_diff"]
    verdict = "ok" if result["objectives_agree"] else "FAIL"
    target = TARGETS.get(result["scale"])
    ours = best["desaplan"]
    notes = [
        f"objective desaplan / ideal rel. diff {rel:.1e} {verdict}" if rel is not None else "objective: FAIL"
    ]
    if target and ours["ok"] and ideal["ok"]:
        ratio = ours["cpu_s"] / ideal["cpu_s"]
        notes.append(f"CPU ratio target <= {target}x: {'meets' if ratio <= target else 'MISSES'}")
    if result["scale"] == "bekasi" and ours["ok"]:
        meets = ours["cpu_s"] <= BEKASI_CPU_TARGET_S
        notes.append(f"CPU target <= {BEKASI_CPU_TARGET_S} s: {'meets' if meets else 'MISSES'}")
    lines.append(" " * 20 + "; ".join(notes))
    return lines


HEADER = (
    f"{'scale':<10} {'villages':>8} {'side':<11} {'CPU s':>8} {'wall s':>8} {'peak MB':>7} "
    f"{'CPU/id.':>8} {'wall/id.':>8} {'objective':>22} {'load':>9}"
)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "pipeline":
        p = argparse.ArgumentParser(prog="python -m bench.ideal pipeline")
        p.add_argument("villages", type=Path)
        p.add_argument("scenario", type=Path)
        p.add_argument("out", type=Path)
        p.add_argument("--ties", action="store_true")
        a = p.parse_args(argv[1:])
        answer = pipeline(a.villages, a.scenario, a.out, a.ties)
        a.out.mkdir(parents=True, exist_ok=True)
        (a.out / "ideal.json").write_text(json.dumps(answer))
        return 0 if answer["status"] == "optimal" else 1
    parser = argparse.ArgumentParser(prog="python -m bench.ideal", description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default=",".join(SCALES), help=f"from {', '.join(SCALES)} (default: all)")
    parser.add_argument("--rounds", type=int, default=2, help="runs a side below 20,000 villages (default 2)")
    parser.add_argument("--work", type=Path, default=Path("bench/results"))
    parser.add_argument("--time-limit", type=float, default=900.0, help="seconds a run may take")
    parser.add_argument("--out", type=Path, default=Path("bench/results/ideal.json"))
    args = parser.parse_args(argv)
    scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    unknown = [s for s in scales if s not in SCALES]
    if unknown:
        parser.error(f"unknown scale(s) {', '.join(unknown)} (known: {', '.join(SCALES)})")
    print("CPU: whole process tree; peak MB: its largest process; best run of each side; load: 1-min average")
    print(HEADER)
    print("-" * len(HEADER))
    results, ok = [], True
    for scale in scales:
        result = compare(scale, args.work, args.rounds, args.time_limit)
        results.append(result)
        ok &= bool(result["objectives_agree"])
        for line in format_row(result):
            print(line, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
