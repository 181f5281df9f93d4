"""The service hands out only checked plans: a plan whose check failed is a failed job with no
targets or comparisons, and a tiny time limit gives a checked plan or none."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col
from test_api_solves import poll, scenario_on

from app.jobs import storage
from app.services import plans
from models import PlanCheck, Status
from models.tables import Job, JobStatus

PROBLEM = "application/problem+json"


def test_a_plan_that_failed_its_check_fails_its_job_and_gives_no_targets(
    empty_client: TestClient, upload_small: Any, small_scenario: dict[str, Any]
) -> None:
    dataset = upload_small(empty_client)
    scenario_id = scenario_on(empty_client, dataset["id"], small_scenario)
    good = empty_client.post("/solves", json={"scenario_id": scenario_id}).json()
    engine = empty_client.app.state.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        plan = plans.load_plan(session, good["id"])
    # the solver's answer as it comes back from a solve whose own check failed
    violation = "4. pool #0: Rp603,425,458 used > Rp47,000,000"
    broken = plan.model_copy(
        update={
            "status": Status.error,
            "message": f"The solver's plan breaks a constraint, so no targets are given: {violation}",
            "check": PlanCheck(ok=False, tolerance=1e-6, max_violation=12.8, violations=[violation]),
        }
    )
    job = empty_client.post("/solves", params={"mode": "async"}, json={"scenario_id": scenario_id}).json()
    poll(empty_client, f"/jobs/{job['id']}")
    with Session(engine) as session:  # as if this job's solve were still on its way back
        session.execute(
            update(Job).where(col(Job.id) == job["id"]).values(status=JobStatus.running.value, plan_id=None)
        )
        session.commit()
    plan_id = storage.store_result(engine, job["id"], broken)
    assert plan_id is not None

    failed = empty_client.get(f"/jobs/{job['id']}").json()
    assert failed["status"] == "failed" and "Rp603,425,458" in failed["error"]
    stored = empty_client.get(f"/plans/{plan_id}").json()
    assert stored["status"] == "error" and stored["has_targets"] is False
    for fmt in ("csv", "xlsx"):
        targets = empty_client.get(f"/plans/{plan_id}/targets", params={"format": fmt})
        assert targets.status_code == 409, targets.text
        assert targets.headers["content-type"] == PROBLEM
        assert "tidak lolos pemeriksaannya sendiri" in targets.json()["detail"]
    comparison = empty_client.post(
        "/comparisons", json={"baseline_plan_id": good["id"], "plan_ids": [plan_id]}
    )
    assert comparison.status_code == 409
    assert empty_client.get(f"/plans/{good['id']}/targets").status_code == 200


def test_a_tiny_time_limit_on_a_large_table_gives_a_checked_plan_or_none(
    empty_client: TestClient, upload_large: Any, small_scenario: dict[str, Any]
) -> None:
    dataset = upload_large(empty_client, 6_000)
    scenario_id = scenario_on(empty_client, dataset["id"], small_scenario)
    job = empty_client.post(
        "/solves", json={"scenario_id": scenario_id, "options": {"time_limit_s": 0.05}}
    ).json()
    done = poll(empty_client, f"/jobs/{job['id']}")
    assert done["status"] in ("succeeded", "failed"), done
    if done["plan_id"] is None:
        return
    plan = empty_client.get(f"/plans/{done['plan_id']}").json()
    targets = empty_client.get(f"/plans/{done['plan_id']}/targets")
    if plan["has_targets"]:
        assert plan["status"] in ("time_limit", "optimal") and plan["check"]["ok"]
        assert targets.status_code == 200
    else:
        assert plan["status"] == "time_limit" and plan["village_count"] == 0
        assert targets.status_code == 409


def test_a_jobs_progress_comes_from_the_solvers_events(
    empty_client: TestClient, upload_large: Any, small_scenario: dict[str, Any]
) -> None:
    dataset = upload_large(empty_client)
    scenario_id = scenario_on(empty_client, dataset["id"], small_scenario)
    job = empty_client.post("/solves", params={"mode": "async"}, json={"scenario_id": scenario_id}).json()
    phases = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        seen = empty_client.get(f"/jobs/{job['id']}").json()
        phases.add(seen["phase"])
        if seen["status"] in ("succeeded", "failed", "cancelled"):
            break
        time.sleep(0.05)
    assert seen["status"] == "succeeded", seen
    # the solver's own words, not the clock's ("solving (12 s of at most 30 s)")
    told = {
        p
        for p in phases
        if p and ("blocks solved" in p or "the pool's price" in p or "settling ties" in p or "preparing" in p)
    }
    assert told, phases
