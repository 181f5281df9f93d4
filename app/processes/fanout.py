"""Fan-out: one large solve's independent blocks solved by several `desaplan worker`s at once.

With the Redis queue, a solve whose table has at least `fanout_min_villages` villages in more
than one independent block (a pool per kabupaten) is cut into block tasks, groups of blocks of
about equal size (`solver.solve.balanced_batches`). Its solver process, the parent, puts each
task's arrays in Redis (pickled numpy, the same form a local worker pool sends) and enqueues the
task on the blocks queue, which every worker takes before new solves; then it gathers:

- a task with a result is read back;
- a task nobody has claimed the parent claims and solves itself, so a parent never waits on an
  idle queue, and one worker alone still finishes the job;
- a task whose worker died loses its claim (a key that worker refreshes every second, expiring
  after `job_heartbeat_timeout_s`): the parent claims it and solves it again.

The results are assembled by the same code as the single-process path (`solver.solve.assemble`:
fallbacks, the check of every constraint, the plan in the table's order), and the plan goes back
to the job's supervisor, which saves it with the job in one transaction (`app.jobs.run`). Each
block is solved by `solver.block.solve_block` with the job's own options, so the plan is the
single-process plan.

A block task stops within a second when its job is no longer running (cancelled, failed by a
reaper) or the parent's keys are gone: the supervisor deletes them when the job ends, for any
reason (`cleanup`).
"""

from __future__ import annotations

import logging
import os
import pickle
import socket
import time
import uuid
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection

from redis import Redis
from rq import Queue

from models import Plan, Problem, SolveOptions
from solver import (
    Arrays,
    BlockResult,
    RunContext,
    assemble,
    balanced_batches,
    solve_batch,
    solve_blocks,
    split,
)
from solver import solve as solver_solve

log = logging.getLogger("desaplan.jobs")

GATHER_POLL_S = 0.05  # how often the parent looks for results while it has nothing to solve
KEYS_MARGIN_S = 600  # keys outlive the job's hard limit by this (the supervisor deletes them
# when the job ends; these expiries are for a supervisor that died first)
TASK_MARGIN_S = 60  # RQ's own time limit on a block task, behind the job's hard limit
# what a `desaplan worker` runs for a block task: named by its path, as RQ stores it (this
# solver process only enqueues it; the worker's side of a task is `app.jobs.worker`)
TASK_FUNCTION = "app.jobs.worker.perform_task"


@dataclass(frozen=True)
class FanOut:
    """Where and when a worker's solves fan out; `job_id` is set per job."""

    queue_url: str
    blocks_queue: str  # the queue of block tasks, which workers take first
    min_villages: int
    tasks: int
    claim_ttl_s: float
    hard_limit_s: float = 0.0
    job_id: int = 0

    @property
    def prefix(self) -> str:
        return f"desaplan:fanout:{self.blocks_queue}:{self.job_id}"

    def for_job(self, job_id: int, hard_limit_s: float) -> FanOut:
        return replace(self, job_id=job_id, hard_limit_s=hard_limit_s)

    @property
    def keys_ttl_s(self) -> int:
        return int(self.hard_limit_s) + KEYS_MARGIN_S


def blocks_queue_name(queue_name: str) -> str:
    return f"{queue_name}-blocks"


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# --- the parent: in the job's solver process -----------------------------------------------


def solve(problem: Problem, run: RunContext, fanout: FanOut) -> Plan:
    """`solver.solve`, with the blocks fanned out when the table is large enough."""
    prepared = split(problem, run)
    if isinstance(prepared, Plan):
        return prepared
    run.villages = prepared.data.n  # each block's share of the time limit is by its villages
    run.start_clock()  # the solving starts: reading and preparing did not count
    if prepared.by_payer:  # premiums by who pays: their own model, solved here
        return solver_solve(problem, run=run)
    subsets = prepared.subproblems()
    if len(subsets) < 2 or sum(s.n for s in subsets) < fanout.min_villages or fanout.tasks < 2:
        return assemble(prepared, solve_blocks(subsets, run), run)
    with Redis.from_url(fanout.queue_url) as redis:
        results = Gather(redis, fanout, run).solve(subsets)
    return assemble(prepared, results, run)


class TaskFailed(RuntimeError):
    """A block task's solver raised; the job fails with the traceback in the log."""


class Gather:
    """One fanned-out solve's tasks: put, enqueue, solve what nobody took, read back."""

    def __init__(self, redis: Redis, fanout: FanOut, run: RunContext) -> None:
        self.redis = redis
        self.fanout = fanout
        self.run = run
        self.prefix = f"{fanout.prefix}:{uuid.uuid4().hex[:8]}"

    def key(self, task: int, what: str) -> str:
        return f"{self.prefix}:{task}:{what}"

    def solve(self, subsets: list[Arrays]) -> list[BlockResult]:
        batches = balanced_batches([s.n for s in subsets], self.fanout.tasks)
        deadline_unix = time.time() + self.run.remaining_s()
        queue = Queue(self.fanout.blocks_queue, connection=self.redis)
        for task, batch in enumerate(batches):
            payload = pickle.dumps(
                ([subsets[i] for i in batch], self.run.options, deadline_unix),
                protocol=pickle.HIGHEST_PROTOCOL,
            )
            self.redis.set(self.key(task, "input"), payload, ex=self.fanout.keys_ttl_s)
        for task in range(len(batches)):
            queue.enqueue(
                TASK_FUNCTION,
                self.fanout.job_id,
                self.prefix,
                task,
                job_timeout=int(self.fanout.hard_limit_s or self.run.remaining_s()) + TASK_MARGIN_S,
                result_ttl=600,
                failure_ttl=24 * 3600,
                description=f"desaplan job {self.fanout.job_id}, block task {task}",
            )
        results: list[BlockResult | None] = [None] * len(subsets)
        pending = list(range(len(batches)))
        total, done = len(subsets), 0
        self.run.report("blocks", 0, total)
        while pending:
            progressed = False
            # the parent takes tasks from the end; the workers take them from the front
            for task in list(reversed(pending)):
                solved = self._result(task)
                if solved is None and self.redis.set(
                    self.key(task, "claim"), f"parent {this_process()}", nx=True, ex=self.fanout.keys_ttl_s
                ):
                    solved = solve_batch([subsets[i] for i in batches[task]], self.run)
                if solved is None:
                    continue
                for i, result in zip(batches[task], solved, strict=True):
                    results[i] = result
                pending.remove(task)
                done += len(batches[task])
                self.run.report("blocks", done, total)
                progressed = True
                break  # look at the results that came meanwhile before solving another task
            if not progressed:
                time.sleep(GATHER_POLL_S)
        return [r for r in results if r is not None]

    def _result(self, task: int) -> list[BlockResult] | None:
        raw = self.redis.get(self.key(task, "result"))
        if not isinstance(raw, bytes):
            return None
        kind, value = pickle.loads(raw)  # noqa: S301 - written by our own workers, on our Redis
        if kind == "error":
            raise TaskFailed(f"block task {task} failed: {value}")
        solved: list[BlockResult] = value
        return solved


def cleanup(fanout: FanOut) -> None:
    """Delete a job's task keys: queued tasks are then skipped and running ones stop."""
    try:
        with Redis.from_url(fanout.queue_url) as redis:
            keys = list(redis.scan_iter(f"{fanout.prefix}:*", count=1000))
            if keys:
                redis.delete(*keys)
    except Exception:  # the keys expire anyway; a failed cleanup must not fail the job
        log.exception("job %s: could not delete its block tasks' keys", fanout.job_id)


def solve_task_payload(payload: bytes, conn: Connection) -> None:
    """In a solver process: the task's blocks, solved one after another; the results to `conn`."""
    subsets, options, deadline_unix = pickle.loads(payload)  # noqa: S301 - our own parent wrote it
    assert isinstance(options, SolveOptions)
    run = RunContext(options)
    run.solving_since = run.started  # the job's clock started before the task was put
    run.deadline = run.started + (deadline_unix - time.time())
    conn.send(("blocks", solve_batch(subsets, run)))
