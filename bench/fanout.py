"""Fan-out: the national solve with a pool per kabupaten over 1, 2 and 4 `desaplan worker`s.

    python -m bench.fanout                 # Indonesia, 83,762 villages, 514 pools
    python -m bench.fanout --scale westjava --workers 1,2

On PostgreSQL (a database of its own, dropped afterwards; `DESAPLAN_BENCH_POSTGRES_URL`) and Redis
(`DESAPLAN_BENCH_REDIS_URL`, a queue of its own): the table and the scenario are stored with the
service's own functions, then one solve job per configuration goes through the service's path
(`app.services.solves.create_job`, `app.queue.RedisQueue.submit`) to local worker processes:

- (0) today's single process: `solver.solve` in this process (workers = 1, threads = 1, the
  service's options), the plan the others must equal;
- (1) one worker, no fan-out (`DESAPLAN_FANOUT_TASKS=1`): today's queue path;
- (2) 1, 2 and 4 workers with fan-out (8 block tasks).

Per configuration: the job's wall time from submit to `succeeded` (reading the table from the
database, the solve, the check, saving the plan), the job's phase timestamps, the objective
against (0) and the load average. Figures only: nothing asserts a time. The machine's cores
bound what more workers can give: on two cores, four workers cannot beat two.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

POSTGRES_ADMIN_URL = os.environ.get(
    "DESAPLAN_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("DESAPLAN_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
DESAPLAN = str(Path(sys.executable).parent / "desaplan")
TIME_LIMIT_S = 1800.0
TASKS = 8


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} {five:.1f} {fifteen:.1f}"


class Workers:
    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env, self.folder = env, folder
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, count: int, queue_name: str) -> None:
        from redis import Redis
        from rq import Queue, Worker

        for i in range(count):
            log = (self.folder / f"worker{len(self.processes)}.log").open("wb")
            self.processes.append(
                subprocess.Popen(
                    [DESAPLAN, "worker"], env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=self.folder
                )
            )
            del i
        with Redis.from_url(REDIS_URL) as redis:  # wait until every worker listens
            deadline = time.monotonic() + 120
            while len(Worker.all(queue=Queue(queue_name, connection=redis))) < count:
                if time.monotonic() > deadline:
                    raise RuntimeError("the workers did not start: " + self.logs())
                time.sleep(0.2)

    def logs(self) -> str:
        return "\n".join(p.read_text()[-1500:] for p in sorted(self.folder.glob("worker*.log")))

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGINT)
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes = []


def _job(engine: Any, settings: Any, scenario_id: int, workers: Workers) -> dict[str, Any]:
    from sqlmodel import Session

    from app.jobs.worker import perform
    from app.queue.redis_queue import RedisQueue
    from app.services import jobs, plans, solves
    from models import SolveOptions
    from models.tables import SolveCreate

    queue = RedisQueue(engine, settings, perform)
    try:
        with Session(engine) as session:
            job, _ = solves.create_job(session, SolveCreate(scenario_id=scenario_id), settings, "async")
            assert job.id is not None
            job_id, limit = job.id, solves.hard_limit_s(SolveOptions.model_validate(job.options))
        start = time.perf_counter()
        queue.submit(job_id, limit)
        status = queue.wait(job_id, limit + 120)
        seconds = time.perf_counter() - start
        with Session(engine) as session:
            job = jobs.get_job(session, job_id)
            if job.plan_id is None:
                raise RuntimeError(f"job {job_id} {status}: {job.error}\n{workers.logs()}")
            record = plans.get_record(session, job.plan_id)
            plan = plans.load_plan(session, job.plan_id)
            queued = (job.started_at - job.created_at).total_seconds() if job.started_at else None
            ran = (
                (job.finished_at - job.started_at).total_seconds()
                if job.finished_at and job.started_at
                else None
            )
            return {
                "seconds": seconds,
                "status": str(status),
                "objective": plan.objective,
                "plan_status": plan.status.value,
                "blocks": plan.blocks,
                "queued_s": queued,
                "ran_s": ran,
                "plan_id": record.id,
                "load": _load(),
            }
    finally:
        queue.shutdown()


def run(scale: str, counts: list[int], min_villages: int) -> int:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlmodel import Session

    import scenarios
    from app.db import make_engine
    from app.migrate import upgrade
    from app.services import datasets
    from app.services import scenarios as scenario_service
    from app.settings import Settings
    from bench.instances import build
    from models import Problem, SolveOptions
    from solver import solve

    work = Path(__file__).parent / "results" / "instances"
    case = next(i for i in build(scale, work) if i.variant == "pool_per_kabupaten")
    table = scenarios.read_villages(case.villages_csv)
    scenario = scenarios.check_scenario_fits(scenarios.read_scenario(case.scenario_json), table)
    print(
        f"{case.name}: {case.villages:,} villages, {case.kabupaten} pools; "
        f"{os.cpu_count()} cores; load {_load()}",
        flush=True,
    )

    options = SolveOptions(time_limit_s=TIME_LIMIT_S, workers=1, threads=1)
    start = time.perf_counter()
    alone = solve(Problem(table=table, scenario=scenario), options)
    single = time.perf_counter() - start
    print(
        f"  (0) single process, solver.solve        {single:8.1f} s  {alone.status.value}, "
        f"{alone.blocks} blocks, objective {alone.objective:,.6f}  (load {_load()})",
        flush=True,
    )

    name = f"desaplan_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    queue_name = f"desaplan-bench-{uuid.uuid4().hex[:8]}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        with Session(engine) as session:
            dataset = datasets.add_dataset(session, table, f"bench {scale}", case.villages_csv.name)
            session.commit()
            assert dataset.id is not None
            record = scenario_service.add_scenario(session, dataset.id, scenario)
            session.commit()
            assert record.id is not None
            scenario_id = record.id
        settings = Settings(
            database_url=url,
            queue_url=REDIS_URL,
            queue_name=queue_name,
            solve_time_limit_s=TIME_LIMIT_S,
            load_examples=False,
            auth="off",
        )
        configurations = [("(1) 1 worker, no fan-out", 1, 1)] + [
            (f"(2) {n} worker{'s' if n > 1 else ''}, fan-out in {TASKS} tasks", n, TASKS) for n in counts
        ]
        for label, count, tasks in configurations:
            with tempfile.TemporaryDirectory() as folder:
                env = {
                    **os.environ,
                    "DATABASE_URL": url,
                    "DESAPLAN_QUEUE_URL": REDIS_URL,
                    "DESAPLAN_QUEUE_NAME": queue_name,
                    "DESAPLAN_FANOUT_TASKS": str(tasks),
                    "DESAPLAN_FANOUT_MIN_VILLAGES": str(min_villages),
                    "DESAPLAN_SOLVE_TIME_LIMIT": str(TIME_LIMIT_S),
                    "DESAPLAN_AUTH": "off",
                }
                workers = Workers(env, Path(folder))
                try:
                    workers.start(count, queue_name)
                    figures = _job(engine, settings, scenario_id, workers)
                finally:
                    workers.stop()
            same = figures["objective"] == alone.objective
            rel = (
                abs(figures["objective"] - alone.objective) / max(1.0, abs(alone.objective))
                if figures["objective"] is not None and alone.objective is not None
                else None
            )
            print(
                f"  {label:<40} {figures['seconds']:8.1f} s  (queued {figures['queued_s']:.1f} s, "
                f"ran {figures['ran_s']:.1f} s)  {figures['plan_status']}, {figures['blocks']} "
                f"blocks, objective {'identical' if same else f'differs by {rel:.1e}'}  "
                f"(load {figures['load']})",
                flush=True,
            )
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        from redis import Redis
        from rq import Queue

        from app.processes.fanout import blocks_queue_name

        with Redis.from_url(REDIS_URL) as redis:
            for queue in (queue_name, blocks_queue_name(queue_name)):
                Queue(queue, connection=redis).delete(delete_jobs=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fanout", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="national", choices=["westjava", "national"])
    parser.add_argument("--workers", default="1,2,4", help="worker counts with fan-out")
    parser.add_argument(
        "--min-villages", type=int, default=1_000, help="DESAPLAN_FANOUT_MIN_VILLAGES of the workers"
    )
    args = parser.parse_args(argv)
    return run(args.scale, [int(n) for n in args.workers.split(",")], args.min_villages)


if __name__ == "__main__":
    raise SystemExit(main())
