"""The supervisor's progress: by the clock until the solve reports, then the solve's own events."""

from __future__ import annotations

import json
from typing import Any

from app.jobs.run import Progress
from app.processes.child import ProgressSender, describe
from solver.context import Progress as Event


def test_progress_follows_the_clock_until_the_solver_reports() -> None:
    progress = Progress()

    progress.by_clock(elapsed_s=30, time_limit_s=60)
    assert progress.share == 0.5 and progress.phase == "solving (30 s of at most 60 s)"
    progress.from_event(json.dumps({"progress": 0.25, "phase": "pricing the APBD pool"}), 31, 60)
    progress.by_clock(elapsed_s=45, time_limit_s=60)

    assert progress.share == 0.1 + 0.8 * 0.25
    assert progress.phase == "pricing the APBD pool"
    progress.from_event(json.dumps({"progress": 7}), 46, 60)  # out of range: held to the solve's part
    assert progress.share == 0.9 and progress.phase == "solving"


def test_a_job_past_its_time_limit_says_so() -> None:
    progress = Progress()
    progress.from_event(json.dumps({"progress": 0.5, "phase": "blocks solved: 3 of 6"}), 61, 60)
    assert "past its time limit of 60 s" in progress.phase
    progress.by_clock(elapsed_s=70, time_limit_s=60)
    assert progress.phase.count("past its time limit") == 1


class _Pipe:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []

    def send(self, message: tuple[str, str]) -> None:
        self.sent.append((message[0], json.loads(message[1])))


def test_the_solvers_events_become_the_jobs_progress() -> None:
    pipe = _Pipe()
    sender = ProgressSender(pipe)  # type: ignore[arg-type]
    for done in range(0, 515):
        sender(Event("blocks", done, 514))
    sender(Event("check", 1, 1))
    # throttled: not one message per block, but the phase's start and end and every change
    assert 2 <= len(pipe.sent) < 20
    phases = [body["phase"] for _, body in pipe.sent]
    assert phases[0] == "blocks solved: 0 of 514" and "blocks solved: 514 of 514" in phases
    assert pipe.sent[-1][1] == {"progress": 0.97, "phase": "checking the plan against every constraint"}
    shares = [body["progress"] for _, body in pipe.sent]
    assert shares == sorted(shares)
    assert describe(Event("price", 3, 10, "building the parts"))[1] == "the pool's price: 3 of 10 parts built"
