"""Service figures: `desaplan serve` on SQLite, timed from a client on the loopback address.

- p50/p95 of a synchronous solve round trip on the Kabupaten Bekasi example (POST /solves);
- p50/p95 of a two-plan comparison (POST /comparisons, a baseline and one plan);
- seconds to store and load the national village table, and to save and load a national plan with
  the service's own storage functions (app.services.datasets, app.services.plans.save_plan /
  load_plan), on a SQLite file and on PostgreSQL (a database of its own, dropped afterwards;
  DESAPLAN_BENCH_POSTGRES_URL names the server, by default the local one);
- a national job's steps outside the solver, with the job's own functions, and the files the job
  builds after its plan (then the first downloads come from the store; `xlsx-en`, not among them,
  is built on its first download).
Every request loop is bounded in count and in time.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench import service_path
from bench.service_path import HOST, _free_port, _serve, _wait_until_up

LOOP_TIMEOUT_S = 240.0  # each timed loop stops after this, whatever its count


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    if not ordered:
        return {"n": 0}

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return {
        "n": len(ordered),
        "p50_ms": 1000 * statistics.median(ordered),
        "p95_ms": 1000 * at(0.95),
        "max_ms": 1000 * ordered[-1],
    }


def _timed_loop(call: Any, count: int) -> list[float]:
    samples: list[float] = []
    deadline = time.perf_counter() + LOOP_TIMEOUT_S
    for _ in range(count):
        if time.perf_counter() > deadline:
            break
        start = time.perf_counter()
        response = call()
        samples.append(time.perf_counter() - start)
        if response.status_code not in (200, 201):
            raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text[:300]}")
    return samples


def _http_figures(folder: Path, requests: int) -> dict[str, Any]:
    from scenarios import examples

    port = _free_port()
    process = _serve(folder, port)
    base_url = f"http://{HOST}:{port}"
    try:
        _wait_until_up(process, base_url, folder / "serve.log")
        with httpx.Client(base_url=base_url, timeout=120) as http:
            with examples.BEKASI_VILLAGES.open("rb") as table:
                answer = http.post(
                    "/datasets",
                    files={"file": ("bekasi.csv", table, "text/csv")},
                    data={"name": "bench Bekasi"},
                )
            answer.raise_for_status()
            dataset_id = answer.json()["id"]
            bodies = [json.loads(p.read_text()) for p in examples.bekasi_scenarios().values()][:2]
            scenario_ids = []
            for body in bodies:
                answer = http.post("/scenarios", json={"dataset_id": dataset_id, "scenario": body})
                answer.raise_for_status()
                scenario_ids.append(answer.json()["id"])
            # warm up: the first solve starts the worker pool
            plans = []
            for scenario_id in scenario_ids:
                answer = http.post("/solves", params={"mode": "sync"}, json={"scenario_id": scenario_id})
                answer.raise_for_status()
                plans.append(answer.json()["id"])
            # the same solve in this process, alternating with the round trips
            import scenarios
            import solver
            from models import Problem

            problem = Problem(
                table=scenarios.read_villages(examples.BEKASI_VILLAGES),
                scenario=scenarios.scenario_from_dict(bodies[0]),
            )
            solver.solve(problem)
            solves: list[float] = []
            in_process: list[float] = []
            for _ in range(requests):
                solves += _timed_loop(
                    lambda: http.post(
                        "/solves", params={"mode": "sync"}, json={"scenario_id": scenario_ids[0]}
                    ),
                    1,
                )
                start = time.perf_counter()
                solver.solve(problem)
                in_process.append(time.perf_counter() - start)
            body = {"baseline_plan_id": plans[0], "plan_ids": [plans[1]]}
            http.post("/comparisons", json=body).raise_for_status()
            comparisons = _timed_loop(lambda: http.post("/comparisons", json=body), requests)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return {
        "villages": 187,
        "solve_round_trip": _percentiles(solves),
        "solve_in_process": _percentiles(in_process),
        "comparison": _percentiles(comparisons),
    }


POSTGRES_ADMIN_URL = os.environ.get(
    "DESAPLAN_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _national_files(work: Path) -> tuple[Path, Path, Path] | None:
    plan_file = work / "plans" / "national" / "pool_per_kabupaten" / "plan.json"
    villages_csv = next(iter(sorted((work / "instances").glob("national_*_villages.csv"))), None)
    scenario_json = next(iter(sorted((work / "instances").glob("national_*_pool_per_kabupaten.json"))), None)
    if not plan_file.exists() or villages_csv is None or scenario_json is None:
        return None
    return plan_file, villages_csv, scenario_json


def _store_and_load(database_url: str, files: tuple[Path, Path, Path]) -> dict[str, Any]:
    """Store the national table, save and load the national plan with the service's own storage
    functions (`app.services.datasets`, `app.services.plans`) on a fresh, migrated database."""
    import gc

    from sqlmodel import Session

    import scenarios
    from app.db import make_engine
    from app.migrate import upgrade
    from app.services import datasets, plans
    from app.services import scenarios as scenario_service
    from models import Plan

    plan_file, villages_csv, scenario_json = files
    engine = make_engine(database_url)
    upgrade(engine)
    table = scenarios.read_villages(villages_csv)
    scenario = scenarios.check_scenario_fits(scenarios.read_scenario(scenario_json), table)
    plan = Plan.model_validate_json(plan_file.read_text())
    try:
        with Session(engine) as session:
            start = time.perf_counter()
            dataset = datasets.add_dataset(session, table, "bench national", villages_csv.name)
            session.commit()
            store_table = time.perf_counter() - start
            assert dataset.id is not None
            record = scenario_service.add_scenario(session, dataset.id, scenario)
            session.commit()
            assert record.id is not None
            version = scenario_service.get_version(session, record.id, None)
            start = time.perf_counter()
            saved = plans.save_plan(session, plan, version, dataset.id)
            session.commit()
            save = time.perf_counter() - start
            plan_id, dataset_id, version_id = saved.id, dataset.id, version.id
        assert plan_id is not None
        with Session(engine) as session:
            start = time.perf_counter()
            loaded_table = datasets.load_table(session, dataset_id)
            load_table = time.perf_counter() - start
            start = time.perf_counter()
            loaded = plans.load_plan(session, plan_id)
            load = time.perf_counter() - start
        assert version_id is not None
        if len(loaded.villages) != len(plan.villages) or loaded_table.villages != table.villages:
            raise RuntimeError("the national table or plan did not read back whole")
        # the job's steps run in a supervisor and a solver process that hold none of this bench's
        # copies of the table and the plan: those go, and what stays is kept out of the collector
        del loaded, loaded_table
        gc.collect()
        gc.freeze()
        try:
            outside = _outside_the_solver(engine, dataset_id, version_id, plan)
        finally:
            gc.unfreeze()
        # what the job does once its plan is saved: its solver process, which holds the plan,
        # builds the files and the supervisor stores them (`app.jobs.run._store_files`)
        start = time.perf_counter()
        with Session(engine) as session:
            orders = plans.file_orders(session, plan_id)
        for order in orders:
            content = order.build(plan, *order.args)
            with Session(engine) as session:
                plans.store_file(session, plan_id, order, content)
        files_s = time.perf_counter() - start
        downloads: dict[str, list[float]] = {"targets_xlsx": [], "targets_xlsx_id": [], "targets_xlsx_en": []}
        for _ in range(2):  # the first from the store (the job built it) or built, the second stored
            for name, call in (
                ("targets_xlsx", lambda s: plans.targets_file(s, plan_id, "xlsx")),
                ("targets_xlsx_id", lambda s: plans.planner_targets_file(s, plan_id, "xlsx", "id")),
                # not among the job's files: built on its first download
                ("targets_xlsx_en", lambda s: plans.planner_targets_file(s, plan_id, "xlsx", "en")),
            ):
                with Session(engine) as session:
                    start = time.perf_counter()
                    call(session)
                    downloads[name].append(time.perf_counter() - start)
    finally:
        engine.dispose()
    return {
        "villages": len(plan.villages),
        "store_table_s": store_table,
        "load_table_s": load_table,
        "save_plan_s": save,
        "load_plan_s": load,
        "downloads_s": downloads,
        "job_files_s": files_s,
        "job_files": [order.variant for order in orders],
        "outside_solver_s": outside,
    }


def _outside_the_solver(engine: Any, dataset_id: int, version_id: int, plan: Any) -> dict[str, float]:
    """A national job's steps outside `solver.solve`, one after another as a job runs them, with
    the job's own functions (its solver process's start aside: it is forked before the job): the
    supervisor writes the problem's JSON (`app.jobs.storage.prepare`; the table's part once per dataset,
    timed for a first job and for a later one), the solver process reads it and hands its plan
    over (`app.processes.handover`), the supervisor reads it and saves it with its villages (rolled back
    here, so the figures above stay the same). `total` counts a first job on the dataset."""
    from sqlmodel import Session

    from app.jobs import storage
    from app.processes.handover import plan_parts, plan_to_bytes
    from app.services import datasets, plans, solves
    from app.settings import Settings
    from models import Problem
    from models.tables import ScenarioVersion, SolveCreate

    steps: dict[str, float] = {}

    def timed(name: str, call: Any) -> Any:
        start = time.perf_counter()
        out = call()
        steps[name] = time.perf_counter() - start
        return out

    with Session(engine) as session:
        version = session.get(ScenarioVersion, version_id)
        assert version is not None
        job, _ = solves.create_job(session, SolveCreate(scenario_id=version.scenario_id), Settings(), "async")
        assert job.id is not None
        job_id = job.id
    datasets._table_json.clear()  # a first job on the dataset
    problem_json, _ = timed(
        "the problem as JSON (a first job on the dataset)", lambda: storage.prepare(engine, job_id)
    )
    timed("(a later job: the table cached)", lambda: storage.prepare(engine, job_id))
    timed("the solver process reads the problem", lambda: Problem.model_validate_json(problem_json))
    payload = timed("the solver process hands the plan over", lambda: plan_to_bytes(plan))
    head, villages = timed("the supervisor reads the plan", lambda: plan_parts(payload))
    with Session(engine) as session:
        version = session.get(ScenarioVersion, version_id)
        assert version is not None
        timed(
            "the supervisor saves the plan",
            lambda: plans.save_plan(session, head, version, dataset_id, villages),
        )
        session.rollback()
    steps["total"] = sum(v for k, v in steps.items() if not k.startswith("("))
    return steps


def _on_postgres(files: tuple[Path, Path, Path]) -> dict[str, Any]:
    """The same on PostgreSQL, in a database of its own, dropped afterwards."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return {"skipped": "psycopg is not installed (pip install 'desaplan[postgres]')"}
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    name = f"desaplan_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        return {
            "skipped": f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable: {str(exc.orig).strip()[:200]}"
        }
    try:
        url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        return _store_and_load(url, files)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _national_storage(folder: Path, work: Path) -> dict[str, Any]:
    """The national plan of this run (its plan.json) stored and read back, on SQLite and PostgreSQL."""
    files = _national_files(work)
    if files is None:
        return {"skipped": "no national plan in this run (add the national scale)"}
    result: dict[str, Any] = {}
    for name, measure in (
        ("sqlite", lambda: _store_and_load(f"sqlite:///{folder / 'national.sqlite'}", files)),
        ("postgresql", lambda: _on_postgres(files)),
    ):
        try:
            result[name] = measure()
        except Exception as exc:  # a figure that failed is reported, not a traceback
            result[name] = {"error": f"{type(exc).__name__}: {exc}"}
    return result


def measure_service(work: Path, requests: int = 50) -> dict[str, Any]:
    """Every service figure; a part that cannot run says why instead of a number."""
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="desaplan-bench-") as tmp:
        folder = Path(tmp)
        try:
            result["http"] = _http_figures(folder, requests)
        except Exception as exc:  # a figure that failed is reported, not a traceback
            result["http"] = {"error": f"{type(exc).__name__}: {exc}"}
        try:
            result["national_plan"] = _national_storage(folder, work)
        except Exception as exc:
            result["national_plan"] = {"error": f"{type(exc).__name__}: {exc}"}
    return result


SERVICE_TARGETS_MS = {"solve_round_trip": 100.0, "comparison": 50.0}
DOWNLOAD_TARGETS_S = (5.0, 0.5)  # a national plan's targets: the first download, the second


def format_service(figures: dict[str, Any]) -> str:
    lines = ["service (desaplan serve on SQLite, loopback client)"]
    http = figures.get("http", {})
    if "error" in http:
        lines.append(f"  FAIL: {http['error']}")
    for name, label in (
        ("solve_round_trip", "sync solve, Bekasi (187 villages)"),
        ("comparison", "two-plan comparison"),
    ):
        p = http.get(name)
        if p and p.get("n"):
            target = SERVICE_TARGETS_MS[name]
            verdict = "meets" if p["p50_ms"] <= target else "MISSES"
            lines.append(
                f"  {label:<36} n={p['n']:<4} p50 {p['p50_ms']:7.1f} ms  "
                f"p95 {p['p95_ms']:7.1f} ms  (target p50 <= {target:.0f} ms: {verdict})"
            )
    trip, alone = http.get("solve_round_trip", {}), http.get("solve_in_process", {})
    if trip.get("n") and alone.get("n"):
        allowed = 1.5 * alone["p50_ms"] + 20.0
        verdict = "meets" if trip["p50_ms"] <= allowed else "MISSES"
        lines.append(
            f"  the same solve in process              p50 {alone['p50_ms']:7.1f} ms: round trip / in "
            f"process {trip['p50_ms'] / alone['p50_ms']:.2f}x (target <= 1.5x + 20 ms = "
            f"{allowed:.0f} ms: {verdict})"
        )
    lines.extend(format_storage(figures.get("national_plan", {})))
    return "\n".join(lines)


def format_storage(national: dict[str, Any]) -> list[str]:
    if "skipped" in national or "error" in national:
        return [f"  national plan: {national.get('skipped') or national.get('error')}"]
    lines = []
    for database, figures in national.items():
        if "villages" in figures:
            lines.append(
                f"  national plan on {database:<10}, {figures['villages']:,} villages: store the table "
                f"{figures['store_table_s']:.2f} s, load it {figures['load_table_s']:.2f} s; save the plan "
                f"{figures['save_plan_s']:.2f} s, load it {figures['load_plan_s']:.2f} s"
            )
            outside = figures.get("outside_solver_s")
            if outside:
                verdict = "meets" if outside["total"] <= 2.0 else "MISSES"
                parts = ", ".join(f"{k} {v:.2f} s" for k, v in outside.items() if k != "total")
                lines.append(
                    f"    a national job outside the solver: {outside['total']:.2f} s (target 2 s: "
                    f"{verdict}): {parts}"
                )
            if "job_files_s" in figures:
                built = ", ".join(figures["job_files"])
                lines.append(
                    f"    the job builds and stores {built} after its plan: "
                    f"{figures['job_files_s']:.2f} s (before its status is final)"
                )
            for name, (first, second) in figures.get("downloads_s", {}).items():
                verdicts = [
                    "meets" if seconds <= target else "MISSES"
                    for seconds, target in zip((first, second), DOWNLOAD_TARGETS_S, strict=True)
                ]
                lines.append(
                    f"    {name} download: first {first:.2f} s (target {DOWNLOAD_TARGETS_S[0]:.0f} s: "
                    f"{verdicts[0]}), second {second:.2f} s, from the store (target "
                    f"{DOWNLOAD_TARGETS_S[1]:.1f} s: {verdicts[1]})"
                )
        else:
            lines.append(f"  national plan on {database}: {figures.get('skipped') or figures.get('error')}")
    return lines


def _national_instance(work: Path) -> tuple[Path, Path]:
    """The national per-kabupaten instance's village table and scenario (built once)."""
    from bench.instances import build

    case = next(c for c in build("national", work / "instances") if c.variant == "pool_per_kabupaten")
    return case.villages_csv, case.scenario_json


def _national_plan(work: Path) -> None:
    """Without a national plan from an earlier `python -m bench` run, the national per-kabupaten
    instance is solved once and its plan kept in bench/results for the next time."""
    if _national_files(work) is not None:
        return
    import scenarios
    import solver
    from models import Problem, SolveOptions

    villages_csv, scenario_json = _national_instance(work)
    print("bench.service: solving the national instance once, for a national plan ...", flush=True)
    table = scenarios.read_villages(villages_csv)
    # pools named by kabupaten code, as the instance writes them, to the table's names
    scenario = scenarios.check_scenario_fits(scenarios.read_scenario(scenario_json), table)
    plan = solver.solve(Problem(table=table, scenario=scenario), SolveOptions(time_limit_s=900))
    out = work / "plans" / "national" / "pool_per_kabupaten"
    out.mkdir(parents=True, exist_ok=True)
    scenarios.write_plan_json(plan, out / "plan.json")


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.service`: the Bekasi sync solve over HTTP against in process (alternated
    rounds), and one national job through the service with its first and second targets
    downloads; `--storage` adds the national storage figures on SQLite and PostgreSQL."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.service")
    parser.add_argument("--rounds", type=int, default=21, help="alternated sync rounds (default 21)")
    parser.add_argument("--skip-sync", action="store_true", help="no Bekasi sync figures")
    parser.add_argument("--lp-only", action="store_true", help="the Bekasi LP alone, not the example")
    parser.add_argument("--skip-job", action="store_true", help="no national job (minutes of CPU)")
    parser.add_argument("--storage", action="store_true", help="the national storage figures too")
    parser.add_argument(
        "--against",
        type=Path,
        help="a checkout of another version of the code (e.g. `git worktree add`), served beside "
        "this one in the same alternated sync rounds",
    )
    args = parser.parse_args(argv)
    work = Path("bench/results")
    failed = False
    print(f"bench.service: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="desaplan-bench-") as tmp:
        folder = Path(tmp)
        sync, job = service_path.sync_rounds, service_path.national_job
        parts = []
        if not args.skip_sync:
            parts.append(("sync", lambda: sync(folder / "sync", args.rounds, args.lp_only, args.against)))
        if not args.skip_job:
            parts.append(("job", lambda: job(folder / "job", *_national_instance(work))))
        for name, measure in parts:
            (folder / name).mkdir()
            try:
                figures = measure()
            except Exception as exc:  # a figure that failed is reported, not a traceback
                print(f"  {name}: FAIL: {type(exc).__name__}: {exc}", flush=True)
                failed = True
                continue
            shown = service_path.format_sync if name == "sync" else service_path.format_national_job
            print("\n".join(shown(figures)), flush=True)
        if args.storage:
            _national_plan(work)
            national = _national_storage(folder, work)
            print("\n".join(format_storage(national)))
            failed = failed or any("error" in f for f in national.values() if isinstance(f, dict))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
