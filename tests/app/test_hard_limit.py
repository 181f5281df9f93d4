"""The service's hard limit on a solve counts from when its solver's clock starts: a job within its
solver's time limit is never stopped however long reading its table took within the allowance,
and no job outlives the hard limit. Times are handed in, not measured."""

from __future__ import annotations

from app.jobs.run import HardLimit
from app.queue.rows import allowance_s
from app.services.solves import hard_limit_s
from models import SolveOptions

TIME_LIMIT_S = 300.0
NATIONAL = 83_762


def test_the_allowance_grows_with_the_table() -> None:
    options = SolveOptions(time_limit_s=TIME_LIMIT_S)
    small, national = hard_limit_s(options, 200), hard_limit_s(options, NATIONAL)
    assert small == TIME_LIMIT_S + 2 * allowance_s(200)
    assert national - TIME_LIMIT_S > 2 * 100  # over 100 s on each side for the national table
    assert small < national


def test_a_slow_read_within_the_allowance_leaves_the_solver_its_whole_limit() -> None:
    hard = hard_limit_s(SolveOptions(time_limit_s=TIME_LIMIT_S), NATIONAL)
    allowance = allowance_s(NATIONAL)
    clock = HardLimit(hard, TIME_LIMIT_S)
    clock.start(1000.0)
    read_done = 1000.0 + allowance - 1.0  # reading and preparing took nearly all the allowance
    assert clock.overrun(read_done) is None
    clock.solving(read_done)
    # solving to its last second, and finishing within the allowance: never stopped
    assert clock.overrun(read_done + TIME_LIMIT_S) is None
    assert clock.overrun(read_done + TIME_LIMIT_S + allowance - 1.0) is None
    stopped = clock.overrun(read_done + TIME_LIMIT_S + allowance + 1.0)
    assert stopped is not None and "overran its time limit" in stopped
    assert read_done + TIME_LIMIT_S + allowance <= 1000.0 + hard


def test_a_solve_that_never_starts_is_stopped_after_the_allowance() -> None:
    clock = HardLimit(hard_limit_s(SolveOptions(time_limit_s=60), 1_000), 60)
    clock.start(0.0)
    assert clock.overrun(allowance_s(1_000) - 0.5) is None
    stopped = clock.overrun(allowance_s(1_000) + 0.5)
    assert stopped is not None and "reading and preparing" in stopped


def test_a_sweep_counts_from_its_start() -> None:
    clock = HardLimit(500.0, 200.0, solving_from_start=True)
    clock.start(0.0)
    assert clock.overrun(499.0) is None
    assert clock.overrun(501.0) is not None


def test_the_solvers_clock_reaches_the_supervisor() -> None:
    from multiprocessing import Pipe

    from app.jobs.run import Progress as JobProgress
    from app.processes.child import ProgressSender
    from solver.context import RunContext

    ours, theirs = Pipe()
    run = RunContext(SolveOptions(time_limit_s=TIME_LIMIT_S), listener=ProgressSender(theirs))
    run.report("prepare", 10, 10)
    run.start_clock()

    job = JobProgress()
    kinds = []
    while ours.poll(0.1):
        kind, payload = ours.recv()
        kinds.append(kind)
        job.from_event(payload, 1.0, TIME_LIMIT_S)
    assert kinds == ["progress", "progress"]
    assert job.solving and job.phase == "solving"
