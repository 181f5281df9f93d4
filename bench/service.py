"""Service figures: `desaplan serve` on SQLite, timed from a client on the loopback address.

- p50/p95 of a synchronous solve round trip on the Kabupaten Bekasi example (POST /solves);
- p50/p95 of a two-plan comparison (POST /comparisons, a baseline and one plan);
- seconds to store the national village table, and to save and load a national plan with the
  service's own storage functions (app.services.plans.save_plan / load_plan) on a SQLite file.
Every request loop is bounded in count and in time.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

HOST = "127.0.0.1"  # loopback only
START_TIMEOUT_S = 90.0
LOOP_TIMEOUT_S = 240.0  # each timed loop stops after this, whatever its count


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


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


def _serve(folder: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'desaplan.sqlite'}", "DESAPLAN_AUTH": "off"}
    command = [sys.executable, "-m", "app.cli", "serve", "--host", HOST, "--port", str(port)]
    log = (folder / "serve.log").open("wb")
    return subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)


def _wait_until_up(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"desaplan serve stopped: {log.read_text()[-500:]}")
        try:
            if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"desaplan serve did not answer within {START_TIMEOUT_S:.0f} s")


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
            solves = _timed_loop(
                lambda: http.post("/solves", params={"mode": "sync"}, json={"scenario_id": scenario_ids[0]}),
                requests,
            )
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
        "comparison": _percentiles(comparisons),
    }


def _national_storage(folder: Path, work: Path) -> dict[str, Any]:
    """Save and load the national plan of this run (from its plan.json) with the service's own
    storage functions, on a fresh SQLite file."""
    plan_file = work / "plans" / "national" / "pool_per_kabupaten" / "plan.json"
    villages_csv = next(iter(sorted((work / "instances").glob("national_*_villages.csv"))), None)
    scenario_json = next(iter(sorted((work / "instances").glob("national_*_pool_per_kabupaten.json"))), None)
    if not plan_file.exists() or villages_csv is None or scenario_json is None:
        return {"skipped": "no national plan in this run (add the national scale)"}
    try:
        from sqlmodel import Session

        from app.db import make_engine
        from app.migrate import upgrade
        from app.services import datasets, plans
        from app.services import scenarios as scenario_service
    except ImportError as exc:
        return {"skipped": f"the service's storage functions are missing: {exc}"}
    import scenarios
    from models import Plan

    engine = make_engine(f"sqlite:///{folder / 'national.sqlite'}")
    upgrade(engine)
    table = scenarios.read_villages(villages_csv)
    scenario = scenarios.read_scenario(scenario_json)
    plan = Plan.model_validate_json(plan_file.read_text())
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
        plan_id = saved.id
    assert plan_id is not None
    with Session(engine) as session:
        start = time.perf_counter()
        loaded = plans.load_plan(session, plan_id)
        load = time.perf_counter() - start
    engine.dispose()
    if len(loaded.villages) != len(plan.villages):
        raise RuntimeError("the national plan did not read back whole")
    return {
        "villages": len(plan.villages),
        "store_table_s": store_table,
        "save_plan_s": save,
        "load_plan_s": load,
    }


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
    national = figures.get("national_plan", {})
    if "villages" in national:
        lines.append(
            f"  national plan, {national['villages']:,} villages: store the table "
            f"{national['store_table_s']:.2f} s, save the plan {national['save_plan_s']:.2f}"
            f" s, load it {national['load_plan_s']:.2f} s"
        )
    else:
        lines.append(f"  national plan: {national.get('skipped') or national.get('error')}")
    return "\n".join(lines)
