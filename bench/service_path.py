"""The service's own path, timed through `desaplan serve` on the loopback address (SQLite):

- a synchronous solve of the Kabupaten Bekasi example (187 villages) over HTTP against the same
  solve in this process (`solver.solve` with the service's options: one worker, one thread),
  alternated round by round (the order reversed every other round), the median of each side and
  their ratio, for the example as it is (whole workers) and for its LP (`integer: false`);
- a national job (83,762 villages, a pool per kabupaten) end to end: the upload, the job polled
  until its status is final, then the targets downloaded twice at once (the planner's workbook the
  plan's page links, in Bahasa Indonesia, and the contract's XLSX), the first asked for as soon as
  the job is seen `succeeded`.
Every figure is printed with the machine's 1-minute load average.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

HOST = "127.0.0.1"  # loopback only
START_TIMEOUT_S = 90.0
JOB_TIMEOUT_S = 1800.0  # a national job on a loaded machine; the bench gives up after this
POLL_S = 0.1
SETTLE_S = 0.3  # after a sync answer, the service's next solver process warms up meanwhile


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _serve(folder: Path, port: int, source: Path | None = None) -> subprocess.Popen[bytes]:
    """`desaplan serve`; `source`: a checkout of another version of the code to serve instead
    (put first on the server's PYTHONPATH)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'desaplan.sqlite'}", "DESAPLAN_AUTH": "off"}
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(source.resolve()), env.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        )
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


def tree_cpu_s(pid: int) -> float:
    """CPU seconds of process `pid` and every process under it, those already ended and reaped
    included (Linux /proc): the service, its forkserver and the solver processes it forked."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = sum(int(f) for f in fields[11:15]) / ticks
    total = 0.0
    for one, seconds in times.items():
        ancestor = one
        while ancestor not in (pid, 0, 1) and ancestor in parents:
            ancestor = parents[ancestor]
        if ancestor == pid:
            total += seconds
    return total


def _load() -> float:
    return os.getloadavg()[0]


class Server:
    """`desaplan serve` on a fresh SQLite file in `folder`, stopped on exit."""

    def __init__(self, folder: Path, source: Path | None = None) -> None:
        self.folder = folder
        self.source = source
        self.port = _free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def cpu_s(self) -> float:
        assert self.process is not None
        return tree_cpu_s(self.process.pid)

    def __enter__(self) -> httpx.Client:
        self.process = _serve(self.folder, self.port, self.source)
        _wait_until_up(self.process, self.base_url, self.folder / "serve.log")
        self.http = httpx.Client(base_url=self.base_url, timeout=600)
        return self.http

    def __exit__(self, *_exc: object) -> None:
        self.http.close()
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _upload(http: httpx.Client, path: Path, name: str) -> int:
    with path.open("rb") as table:
        answer = http.post("/datasets", files={"file": (path.name, table, "text/csv")}, data={"name": name})
    answer.raise_for_status()
    return int(answer.json()["id"])


def _scenario(http: httpx.Client, dataset_id: int, body: dict[str, Any]) -> int:
    answer = http.post("/scenarios", json={"dataset_id": dataset_id, "scenario": body})
    answer.raise_for_status()
    return int(answer.json()["id"])


def _alternated(
    servers: dict[str, Server],
    clients: dict[str, httpx.Client],
    scenario_ids: dict[str, int],
    problem: Any,
    options: Any,
    rounds: int,
) -> dict[str, Any]:
    """One case's rounds: each server's sync solve and the solve in this process, in turn."""
    import solver

    wall: dict[str, list[float]] = {side: [] for side in [*servers, "in_process"]}
    cpu: dict[str, list[float]] = {side: [] for side in wall}

    def over_http(side: str) -> None:
        server, http = servers[side], clients[side]
        cpu_start, start = server.cpu_s(), time.perf_counter()
        answer = http.post("/solves", params={"mode": "sync"}, json={"scenario_id": scenario_ids[side]})
        wall[side].append(time.perf_counter() - start)
        # the next job's solver process is forked and warmed up after the answer: let it finish
        # before the next step, which it would otherwise slow (whichever side that step is)
        time.sleep(SETTLE_S)
        # the service's tree: the request, the job, its solver process and the next one's fork
        # and warm-up
        cpu[side].append(server.cpu_s() - cpu_start)
        if answer.status_code != 200:
            raise RuntimeError(f"POST /solves: {answer.status_code} {answer.text[:300]}")

    def in_process() -> None:
        cpu_start, start = time.process_time(), time.perf_counter()
        solver.solve(problem, options)
        cpu["in_process"].append(time.process_time() - cpu_start)
        wall["in_process"].append(time.perf_counter() - start)

    steps = [*(lambda side=side: over_http(side) for side in servers), in_process]
    for _ in range(3):  # warm every side: the services' solver processes, this one's imports
        for step in steps:
            step()
    for samples in (*wall.values(), *cpu.values()):
        samples.clear()
    loads = [_load()]
    for i in range(rounds):  # each side first, in the middle and last in turn
        order = steps[i % len(steps) :] + steps[: i % len(steps)]
        for step in order[::-1] if i % 2 else order:
            step()
    loads.append(_load())
    solo = statistics.median(wall["in_process"])
    figures: dict[str, Any] = {}
    for side in servers:
        trip = statistics.median(wall[side])
        figures[side] = {
            "http_ms": 1000 * trip,
            "ratio": trip / solo,
            "http_cpu_ms": 1000 * statistics.median(cpu[side]),
        }
    result: dict[str, Any] = {
        **figures["http"],
        "rounds": rounds,
        "in_process_ms": 1000 * solo,
        "allowed_ms": 1000 * (1.5 * solo + 0.020),
        "in_process_cpu_ms": 1000 * statistics.median(cpu["in_process"]),
        "load": loads,
    }
    if "against" in figures:
        result["against"] = figures["against"]
    return result


def sync_rounds(
    folder: Path, rounds: int, lp_only: bool = False, against: Path | None = None
) -> dict[str, Any]:
    """The Bekasi sync solve over HTTP against in process, alternated, for the example and its LP
    (`lp_only`: the LP alone, a minute shorter on a loaded machine). `against`: a checkout of
    another version of the code, served too and timed in the same rounds (before and after a
    change, under the same load)."""
    import contextlib

    import scenarios
    from models import Problem, SolveOptions
    from scenarios import examples

    body = json.loads(examples.bekasi_scenarios()["dd3_officials"].read_text())
    cases = {"LP (integer: false)": {**body, "integer": False}, "whole workers (the example)": body}
    if lp_only:
        cases.pop("whole workers (the example)")
    table = scenarios.read_villages(examples.BEKASI_VILLAGES)
    options = SolveOptions(workers=1, threads=1)  # as the service solves (`solves.solve_options`)
    result: dict[str, Any] = {}
    servers = {"http": Server(folder / "this")}
    if against is not None:
        servers["against"] = Server(folder / "against", against)
    with contextlib.ExitStack() as stack:
        clients = {}
        for side, server in servers.items():
            server.folder.mkdir(parents=True, exist_ok=True)
            clients[side] = stack.enter_context(server)
        datasets = {
            side: _upload(http, examples.BEKASI_VILLAGES, "bench Bekasi") for side, http in clients.items()
        }
        for name, case in cases.items():
            scenario_ids = {side: _scenario(clients[side], datasets[side], case) for side in clients}
            problem = Problem(table=table, scenario=scenarios.scenario_from_dict(case))
            result[name] = _alternated(servers, clients, scenario_ids, problem, options, rounds)
            if against is not None:
                result[name]["against"]["source"] = str(against)
    return result


def national_job(folder: Path, villages_csv: Path, scenario_json: Path) -> dict[str, Any]:
    """One national job through the service, then its targets downloaded twice, at once."""
    import scenarios

    table = scenarios.read_villages(villages_csv)
    # pools named by kabupaten code, as the instance writes them, to the table's names
    scenario = scenarios.check_scenario_fits(scenarios.read_scenario(scenario_json), table)
    body = scenario.model_dump(mode="json", exclude_none=True)
    del table
    figures: dict[str, Any] = {"load": [_load()]}
    with Server(folder) as http:
        start = time.perf_counter()
        dataset_id = _upload(http, villages_csv, "bench national")
        figures["upload_s"] = time.perf_counter() - start
        scenario_id = _scenario(http, dataset_id, body)
        start = time.perf_counter()
        answer = http.post("/solves", params={"mode": "async"}, json={"scenario_id": scenario_id})
        answer.raise_for_status()
        job_id = answer.json()["id"]
        phases: dict[str, float] = {}
        while True:
            job = http.get(f"/jobs/{job_id}").json()
            now = time.perf_counter() - start
            phase = str(job.get("phase", ""))
            key = "writing the files" if phase.startswith("writing the files") else phase.split(":")[0]
            phases.setdefault(key, now)
            if job["status"] not in ("queued", "running"):
                break
            if now > JOB_TIMEOUT_S:
                raise RuntimeError(f"the national job did not end within {JOB_TIMEOUT_S:.0f} s")
            time.sleep(POLL_S)
        figures["job_s"] = time.perf_counter() - start
        if job["status"] != "succeeded":
            raise RuntimeError(f"the national job ended {job['status']}: {job.get('error')}")
        figures["files_s"] = figures["job_s"] - phases.get("writing the files", figures["job_s"])
        plan_id = job["plan_id"]
        downloads: dict[str, list[float]] = {}
        for name, params in (
            ("the planner's workbook (xlsx, lang=id)", {"format": "xlsx", "lang": "id"}),
            ("the contract's XLSX", {"format": "xlsx"}),
        ):
            downloads[name] = []
            for _ in range(2):  # the first asked for as soon as the job is seen succeeded
                begun = time.perf_counter()
                answer = http.get(f"/plans/{plan_id}/targets", params=params)
                answer.raise_for_status()
                downloads[name].append(time.perf_counter() - begun)
        figures["downloads_s"] = downloads
        figures["villages"] = http.get(f"/plans/{plan_id}").json()["village_count"]
    figures["load"].append(_load())
    return figures


def format_sync(figures: dict[str, Any]) -> list[str]:
    lines = []
    for name, f in figures.items():
        verdict = "meets" if f["http_ms"] <= f["allowed_ms"] else "MISSES"
        lines.append(
            f"  Bekasi sync solve, {name}: over HTTP {f['http_ms']:.1f} ms, in process "
            f"{f['in_process_ms']:.1f} ms, {f['ratio']:.2f}x (target <= 1.5x + 20 ms = "
            f"{f['allowed_ms']:.0f} ms: {verdict}); median of {f['rounds']} alternated rounds, "
            f"load {f['load'][0]:.1f}-{f['load'][1]:.1f}"
        )
        lines.append(
            f"    CPU: the service's process tree {f['http_cpu_ms']:.0f} ms a request, the solve in "
            f"process {f['in_process_cpu_ms']:.0f} ms ({f['http_cpu_ms'] / f['in_process_cpu_ms']:.2f}x)"
        )
        if "against" in f:
            a = f["against"]
            verdict = "meets" if a["http_ms"] <= f["allowed_ms"] else "MISSES"
            lines.append(
                f"    the same rounds served from {a['source']}: over HTTP {a['http_ms']:.1f} ms, "
                f"{a['ratio']:.2f}x ({verdict}), its process tree {a['http_cpu_ms']:.0f} ms CPU a request"
            )
    return lines


def format_national_job(f: dict[str, Any]) -> list[str]:
    lines = [
        f"  national job over HTTP, {f['villages']:,} villages: upload {f['upload_s']:.1f} s, job "
        f"{f['job_s']:.1f} s to succeeded (its files {f['files_s']:.1f} s of it), load "
        f"{f['load'][0]:.1f}-{f['load'][1]:.1f}"
    ]
    for name, (first, second) in f["downloads_s"].items():
        verdicts = ["meets" if s <= t else "MISSES" for s, t in ((first, 5.0), (second, 0.5))]
        lines.append(
            f"    {name}: first download {first:.2f} s (target 5 s: {verdicts[0]}), "
            f"second {second:.2f} s (target 0.5 s: {verdicts[1]})"
        )
    return lines
