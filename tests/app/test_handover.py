"""The plan a solver process hands its supervisor comes back as the same plan."""

from __future__ import annotations

import scenarios
from app.processes.handover import plan_from_bytes, plan_parts, plan_to_bytes
from models import Plan, Problem, Status
from scenarios.examples import BEKASI_VILLAGES, bekasi_scenarios
from solver import solve


def _plan(slug: str) -> Plan:
    return solve(
        Problem(
            table=scenarios.read_villages(BEKASI_VILLAGES),
            scenario=scenarios.read_scenario(bekasi_scenarios()[slug]),
        )
    )


def test_a_plan_comes_back_whole() -> None:
    plan = _plan("add_pool_floor20")
    assert plan.status == Status.optimal and plan.villages

    back = plan_from_bytes(plan_to_bytes(plan))

    assert back == plan
    assert back.model_dump_json() == plan.model_dump_json()


def test_a_plan_without_villages_comes_back_whole() -> None:
    plan = _plan("contract_example")  # infeasible: explanations, no villages
    assert plan.status == Status.infeasible and not plan.villages

    back = plan_from_bytes(plan_to_bytes(plan))

    assert back == plan


def test_the_columns_are_the_villages() -> None:
    plan = _plan("dd3_officials")

    head, villages = plan_parts(plan_to_bytes(plan))

    assert head.villages == [] and len(villages) == len(plan.villages)
    assert villages.villages() == plan.villages
    assert villages.column("village_code") == [v.village_code for v in plan.villages]
