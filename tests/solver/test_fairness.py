"""The cost of fairness: deltas equal the two plans solved apart."""

from __future__ import annotations

import pytest
from conftest import JHT, problem, village

from models import Problem, Status
from scenarios.compare import fairness_frames
from solver import solve
from solver.fairness import without_each_floor


def _problem() -> Problem:
    villages = [
        village(1, {"farmers": 200, "village_officials": 10}, dana_desa=3e8, priority=2.0),
        village(2, {"farmers": 150, "village_officials": 8}, dana_desa=1e8),
        village(3, {"fishers": 120}, dana_desa=2e8, enrolled={"fishers": 5}),
    ]
    return problem(
        villages,
        packages=[JHT, {"code": "JKK-JKM", "monthly_premium_idr": 16800}],
        group_weights={"farmers": 3.0},
        budget={"dana_desa_share": 0.05, "apbd_pool_idr": 5e6},
        targets={
            "min_coverage": 0.3,
            "group_min_coverage": {"village_officials": 1.0},
            "min_new_enrollments": 150,
        },
    )


def test_each_floor_family_against_the_plans_solved_apart():
    p = _problem()
    plans = without_each_floor(p)
    assert [label for label, _ in plans] == [
        "with every floor",
        "coverage floor",
        "group floors",
        "table-wide target",
    ]
    summary, frames = fairness_frames(plans)
    with_all = solve(p)
    assert with_all.status == Status.optimal
    for row in summary.itertuples():
        targets = p.scenario.targets
        change = {
            "coverage floor": {"min_coverage": 0.0},
            "group floors": {"group_min_coverage": {}},
            "table-wide target": {"min_new_enrollments": 0},
        }[row.floor]
        scenario = p.scenario.model_copy(update={"targets": targets.model_copy(update=change)})
        without = solve(Problem(table=p.table, scenario=scenario))
        assert row.objective_given_up == pytest.approx(
            without.objective - with_all.objective, rel=1e-9, abs=1e-9
        )
        assert row.objective_given_up >= -1e-9  # a floor never helps the objective
        assert row.enrollments_given_up == pytest.approx(
            without.totals.new_enrollments - with_all.totals.new_enrollments, abs=1e-6
        )
        spend_with = {v.village_code: v.spend_total_idr for v in with_all.villages}
        moved = sum(abs(spend_with[v.village_code] - v.spend_total_idr) for v in without.villages) / 2
        assert row.rupiah_moved_idr == pytest.approx(moved)
        new_with = {v.village_code: v.new_enrollments for v in with_all.villages}
        gaining = sum(new_with[v.village_code] > v.new_enrollments + 1e-6 for v in without.villages)
        losing = sum(new_with[v.village_code] < v.new_enrollments - 1e-6 for v in without.villages)
        assert (row.villages_gaining, row.villages_losing) == (gaining, losing)
        assert len(frames[row.floor]) == 3


def test_the_group_floor_moves_money_to_the_officials():
    summary, _ = fairness_frames(without_each_floor(_problem()))
    group = summary[summary["floor"] == "group floors"].iloc[0]
    assert group["objective_given_up"] > 0
