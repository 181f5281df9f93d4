"""A solver process is bounded: its memory is capped, an allocation beyond the cap is a message
in words, and a solver process that dies without a word fails its job (never a hang or a 500 of
the runner's own)."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.processes import child as worker
from models import Problem, SolveOptions

CAP_PROGRAM = """
import resource
from pathlib import Path
from app.processes.child import ChildLimits, apply_limits

pages = int(Path("/proc/self/statm").read_text().split()[0])
in_use = pages * resource.getpagesize()
apply_limits(ChildLimits(memory_bytes=in_use + 200 * 1024 * 1024))
small = bytearray(50 * 1024 * 1024)  # within the cap
try:
    bytearray(2 * 1024 * 1024 * 1024)
except MemoryError:
    print("refused")
else:
    print("allowed")
"""


def test_the_memory_cap_refuses_an_allocation_beyond_it() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CAP_PROGRAM], capture_output=True, text=True, timeout=60, check=True
    )

    assert result.stdout.strip() == "refused", result.stderr


def test_running_out_of_memory_is_a_message_in_words(monkeypatch: pytest.MonkeyPatch) -> None:
    def needs_too_much(problem: Problem, options: SolveOptions | None = None, run: Any = None) -> Any:
        raise MemoryError

    monkeypatch.setattr(worker, "apply_limits", lambda limits: None)  # not on the test runner
    monkeypatch.setattr(worker.solver, "solve", needs_too_much)
    receiver, sender = multiprocessing.Pipe(duplex=False)
    problem = {
        "table": {
            "groups": ["farmers"],
            "villages": [
                {
                    "village_code": "32.16.01.2001",
                    "village_name": "A",
                    "kecamatan": "K",
                    "dana_desa_idr": 1e9,
                    "uninsured": {"farmers": 10},
                }
            ],
        },
        "scenario": {"packages": [{"code": "P", "monthly_premium_idr": 16800}]},
    }

    worker.solve_in_process(
        json.dumps(problem), SolveOptions().model_dump_json(), sender, worker.ChildLimits(2 * 1024**3)
    )

    kind, payload = receiver.recv()
    assert kind == "input_error"
    assert "more memory than a solver process may use (2.0 GiB" in payload


def test_a_solver_process_that_dies_without_a_word_fails_its_job(
    apps: Any, upload_small: Any, small_scenario: dict[str, Any]
) -> None:
    client: TestClient = apps.open(load_examples=False, solver_memory_bytes=64 * 1024 * 1024)
    dataset = upload_small(client)
    body = {"dataset_id": dataset["id"], "scenario": small_scenario}
    scenario = client.post("/scenarios", json=body).json()

    response = client.post("/solves", json={"scenario_id": scenario["id"]})

    # 64 MB is less than Python and the solver need to start: the process is killed or aborts
    assert response.status_code in (422, 500), response.text
    jobs = client.get("/jobs").json()["items"]
    assert [job["status"] for job in jobs] == ["failed"]
    assert "ended without a plan" in jobs[0]["error"] or "more memory" in jobs[0]["error"]


def test_jobs_enqueued_before_the_move_still_name_their_function() -> None:
    """RQ stores a job's function by its path; a job queued by an older service names
    app.queue.perform, and a new worker resolves it to the job function of app.jobs.worker."""
    from rq.utils import import_attribute

    from app.jobs.worker import perform, perform_task
    from app.processes.fanout import TASK_FUNCTION

    assert import_attribute("app.queue.perform") is perform
    assert import_attribute("app.jobs.worker.perform") is perform
    assert import_attribute(TASK_FUNCTION) is perform_task
