"""End to end: `desaplan serve` under uvicorn on a free port, the planner's path with curl-like
HTTP calls, a restart, and everything still there."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
from servers import Workers
from servers import serving as serving_server

from scenarios.examples import BEKASI_VILLAGES, bekasi_scenarios


@contextmanager
def serving(
    tmp_path: Path, log_name: str, database_url: str, extra_env: dict[str, str] | None = None
) -> Iterator[httpx.Client]:
    """`desaplan serve` on the database, one local user as on a laptop; stopped on the way out."""
    with serving_server(tmp_path, log_name, **{**(extra_env or {}), "DATABASE_URL": database_url}) as server:
        yield server.http


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_planner_path_survives_a_restart(tmp_path: Path, database_url: str) -> None:
    planner_path(tmp_path, database_url)


def test_planner_path_on_postgresql_with_the_queue_and_two_workers(
    tmp_path: Path, queue: dict[str, str]
) -> None:
    workers = Workers(queue, tmp_path)
    ids = [workers.start().pid, workers.start().pid]
    try:
        planner_path(tmp_path, queue["DATABASE_URL"], queue, worker_pids=ids)
    finally:
        workers.stop()


def planner_path(
    tmp_path: Path,
    database_url: str,
    extra_env: dict[str, str] | None = None,
    worker_pids: list[int] | None = None,
) -> None:
    """The planner's path through `desaplan serve`, a restart, and everything still there."""
    scenario_files = bekasi_scenarios()
    bodies = [json.loads(scenario_files[slug].read_text()) for slug in list(scenario_files)[:2]]

    with serving(tmp_path, "first.log", database_url, extra_env) as http:
        # the first start loaded the Kabupaten Bekasi example
        example = http.get("/datasets").json()["items"]
        assert [d["village_count"] for d in example] == [187]
        assert http.get("/scenarios").json()["total"] == len(scenario_files)

        with BEKASI_VILLAGES.open("rb") as table:
            dataset = created(
                http.post(
                    "/datasets",
                    files={"file": ("bekasi_villages.csv", table, "text/csv")},
                    data={"name": "Bekasi 2026"},
                )
            )
        assert dataset["village_count"] == 187 and dataset["kecamatan_count"] == 23
        scenario_ids = [
            created(http.post("/scenarios", json={"dataset_id": dataset["id"], "scenario": body}))["id"]
            for body in bodies
        ]
        plans = []
        for scenario_id in scenario_ids:
            solved = http.post("/solves", json={"scenario_id": scenario_id})
            assert solved.status_code == 200, solved.text
            plans.append(solved.json())
        assert all(p["dataset_id"] == dataset["id"] for p in plans)
        if worker_pids:  # the workers solved them, not the service
            solved_by = {j["worker"].rsplit(":", 1)[1] for j in http.get("/jobs").json()["items"]}
            assert solved_by <= {str(pid) for pid in worker_pids}
        plan = http.get(f"/plans/{plans[0]['id']}").json()
        assert plan["status"] == plans[0]["status"]
        top = http.get(
            f"/plans/{plan['id']}/villages", params={"sort": "-new_enrollments", "limit": 5}
        ).json()
        assert top["total"] == 187 and len(top["items"]) == 5
        comparison = created(
            http.post(
                "/comparisons",
                json={"baseline_plan_id": plans[0]["id"], "plan_ids": [plans[1]["id"]]},
            )
        )
        assert len(comparison["totals"]) == 2 and len(comparison["villages"]) == 187
        targets = http.get(f"/plans/{plan['id']}/targets", params={"format": "xlsx"})
        assert targets.status_code == 200
        assert 'filename="targets_bekasi-2026_' in targets.headers["content-disposition"]
        sheet = pd.read_excel(io.BytesIO(targets.content), dtype={"village_code": str})
        assert len(sheet) == 187
        assert list(sheet.columns[:4]) == ["village_code", "village_name", "kecamatan", "new_enrollments"]
        if plan["totals"] is not None:
            assert sheet["new_enrollments"].sum() == plan["totals"]["new_enrollments"]

    with serving(tmp_path, "second.log", database_url, extra_env) as http:
        assert http.get("/datasets").json()["total"] == 2  # no second copy of the example
        assert http.get(f"/datasets/{dataset['id']}").json()["village_count"] == 187
        for scenario_id in scenario_ids:
            assert http.get(f"/scenarios/{scenario_id}").status_code == 200
        assert http.get(f"/plans/{plan['id']}").json() == plan
        again = http.get(f"/comparisons/{comparison['id']}").json()
        assert again["totals"] == comparison["totals"]
        reread = http.get(f"/plans/{plan['id']}/targets", params={"format": "xlsx"})
        pd.testing.assert_frame_equal(
            pd.read_excel(io.BytesIO(reread.content), dtype={"village_code": str}), sheet
        )
