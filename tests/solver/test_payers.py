"""Premiums by who pays: the LP sees that a worker paid from the APBD pool costs more.

One month of April 2026 at the lowest tier: JKK-JKM is Rp8,400 from dana desa or ADD (PP 50/2025's
50%) and Rp16,800 from the APBD pool, which the regulation excludes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import RULES_PACKAGE, rules_problem, village

from models import Problem, Status, VillageTable
from solver import solve
from solver.check import check_plan
from solver.data import prepare
from solver.payers import source_spend


def test_the_pool_pays_twice_the_villages_premium_and_the_lp_sees_it() -> None:
    # own money Rp84,000 buys 10 workers at Rp8,400; the pool's Rp168,000 buys 10 at Rp16,800
    problem = rules_problem(
        [village(1, {"farmers": 30}, dana_desa=84_000)],
        budget={"dana_desa_share": 1.0, "apbd_pool_idr": 168_000},
    )
    plan = solve(problem)
    assert plan.status == Status.optimal and plan.check is not None and plan.check.ok
    assert plan.objective == pytest.approx(20.0)  # at one premium for all it would be 30
    v = plan.villages[0]
    assert v.spend_dana_desa_idr == 84_000 and v.spend_apbd_idr == 168_000
    assert plan.new_by_source == pytest.approx({"dana_desa": 10.0, "add": 0.0, "apbd_pool": 10.0})
    paid = {(e.source, e.sector): e.workers for e in plan.source_enrollments}
    assert paid == {("dana_desa", "general"): 10.0, ("apbd_pool", "general"): 10.0}


def test_the_pool_is_spent_last_at_its_own_premium() -> None:
    problem = rules_problem(
        [village(1, {"farmers": 15}, dana_desa=84_000)],
        budget={"dana_desa_share": 1.0, "apbd_pool_idr": 168_000},
    )
    plan = solve(problem)
    assert plan.objective == pytest.approx(15.0)
    assert plan.villages[0].spend_dana_desa_idr == 84_000
    assert plan.villages[0].spend_apbd_idr == 5 * 16_800


def test_dana_desa_and_add_pay_the_same_reduced_premium_together() -> None:
    # Rp4,200 of dana desa and Rp4,200 of ADD pay one worker between them
    problem = rules_problem(
        [village(1, {"farmers": 5}, dana_desa=4_200, add=4_200)],
        budget={"dana_desa_share": 1.0, "add_share": 1.0, "apbd_pool_idr": 16_800},
        integer=True,
    )
    plan = solve(problem)
    assert plan.status == Status.optimal and plan.check is not None and plan.check.ok
    assert plan.objective == pytest.approx(2.0)
    v = plan.villages[0]
    assert (v.spend_dana_desa_idr, v.spend_add_idr, v.spend_apbd_idr) == (4_200, 4_200, 16_800)


def test_the_transport_sector_is_cheaper_in_january_2027() -> None:
    # January 2027: JKK-JKM outside transport is Rp16,800 again, transport still Rp8,400
    villages = [village(1, {"farmers": 20, "transport": 20}, dana_desa=168_000)]
    problem = rules_problem(villages, fiscal_year=2027, start_month=1, budget={"dana_desa_share": 1.0})
    plan = solve(problem)
    assert plan.objective == pytest.approx(20.0)
    assert plan.villages[0].enrollments["transport"]["JKK-JKM"] == pytest.approx(20.0)


def test_min_cost_meets_the_floor_with_own_money_first() -> None:
    problem = rules_problem(
        [village(1, {"farmers": 20}, dana_desa=84_000)],
        budget={"dana_desa_share": 1.0, "apbd_pool_idr": 1_000_000},
        targets={"min_new_enrollments": 12},
        objective="min_cost",
    )
    plan = solve(problem)
    assert plan.status == Status.optimal
    assert plan.objective == pytest.approx(10 * 8_400 + 2 * 16_800)


@pytest.mark.parametrize("method", ["round", "mip"])
def test_whole_workers_by_rounding_or_branch_and_bound(method: str) -> None:
    from models import IntegerMethod, SolveOptions

    villages = [village(i, {"farmers": 7, "fishers": 3}, dana_desa=30_000 + 1_000 * i) for i in range(1, 5)]
    problem = rules_problem(
        villages,
        budget={"dana_desa_share": 1.0, "apbd_pool_idr": 50_000},
        group_weights={"fishers": 2.0},
        targets={"group_min_coverage": {"fishers": 0.5}},
        integer=True,
    )
    plan = solve(problem, SolveOptions(integer_method=IntegerMethod(method)))
    assert plan.status == Status.optimal and plan.check is not None and plan.check.ok
    new = np.array([[v.enrollments[g]["JKK-JKM"] for g in ("farmers", "fishers")] for v in plan.villages])
    np.testing.assert_array_equal(new, np.round(new))
    assert (new[:, 1] >= 2).all()  # half of 3 fishers, rounded up
    # each village's own money buys floor(own / 8,400) workers, the pool floor(50,000 / 16,800)
    assert plan.totals is not None and plan.totals.new_enrollments <= 4 * 4 + 2
    assert plan.lp_bound is not None and plan.objective <= plan.lp_bound + 1e-6


def test_floors_the_money_cannot_pay_are_infeasible() -> None:
    problem = rules_problem(
        [village(1, {"farmers": 10}, dana_desa=8_400)],
        budget={"dana_desa_share": 1.0, "apbd_pool_idr": 16_800},
        targets={"min_coverage": 0.5},
    )
    plan = solve(problem)
    assert plan.status == Status.infeasible and plan.explanations


def test_the_check_refuses_a_pool_that_pays_the_villages_premium() -> None:
    problem = rules_problem(
        [village(1, {"farmers": 30}, dana_desa=84_000)],
        budget={"dana_desa_share": 1.0, "apbd_pool_idr": 168_000},
    )
    data = prepare(problem)
    x_src = np.zeros((3, 1, 1, 1))
    x_src[0, 0, 0, 0], x_src[2, 0, 0, 0] = 10, 20  # 20 pool workers would cost Rp336,000
    y, w, z = source_spend(data, x_src)
    assert not check_plan(data, x_src.sum(axis=0), y, w, z, 1e-6, x_src).ok
    z_cheap = np.array([20 * 8_400.0])  # the pool paying the villages' premium: books do not match
    check = check_plan(data, x_src.sum(axis=0), y, w, z_cheap, 1e-6, x_src)
    assert not check.ok and any("APBD pool pays" in v for v in check.violations)
    x_src[2, 0, 0, 0] = 10
    y, w, z = source_spend(data, x_src)
    assert check_plan(data, x_src.sum(axis=0), y, w, z, 1e-6, x_src).ok


def test_the_same_table_in_another_order_gives_the_same_plan() -> None:
    villages = [village(i, {"farmers": 5 + i, "transport": 4}, dana_desa=20_000 * i) for i in range(1, 5)]
    fields: dict[str, Any] = dict(start_month=1, budget={"dana_desa_share": 1.0, "apbd_pool_idr": 100_000})
    one = solve(rules_problem(villages, **fields))
    other = solve(rules_problem(list(reversed(villages)), **fields))
    by_code = {v.village_code: v.enrollments for v in other.villages}
    assert one.objective == pytest.approx(other.objective)
    for v in one.villages:
        for group, packages in v.enrollments.items():
            assert packages == pytest.approx(by_code[v.village_code][group], abs=1e-6)


def _reference_optimum(problem: Problem) -> float | None:
    """The LP of premiums by payer built independently with scipy: own money (dana desa + ADD at
    the villages' premium) and the pool (at its own) per enrolment; None when infeasible."""
    from scipy.optimize import linprog

    data = prepare(problem)
    assert data.payer_cost_idr is not None
    n, n_groups, n_packages = data.n, len(data.groups), len(data.packages)
    cols = [
        (a, v, g, p) for a in (0, 1) for v in range(n) for g in range(n_groups) for p in range(n_packages)
    ]
    cost = np.array([data.payer_cost_idr[0 if a == 0 else 2, g, p] for a, _, g, p in cols])
    gain = np.array([data.priority[v] * data.weight[g] * data.value[p] for _, v, g, p in cols])
    rows, rhs = [], []
    for v in range(n):
        for g in range(n_groups):
            rows.append([1.0 if (cv, cg) == (v, g) else 0.0 for _, cv, cg, _ in cols])
            rhs.append(data.uninsured[v, g])
            rows.append([-1.0 if (cv, cg) == (v, g) else 0.0 for _, cv, cg, _ in cols])
            rhs.append(-data.group_need[v, g])
        rows.append([cost[j] if (a, cv) == (0, v) else 0.0 for j, (a, cv, _, _) in enumerate(cols)])
        rhs.append(data.own_idr[v])
        rows.append([-1.0 if cv == v else 0.0 for _, cv, _, _ in cols])
        rhs.append(-data.total_need[v])
    for k in range(len(data.pool_idr)):
        rows.append(
            [cost[j] if a == 1 and data.pool_of[cv] == k else 0.0 for j, (a, cv, _, _) in enumerate(cols)]
        )
        rhs.append(data.pool_idr[k])
    result = linprog(-gain, A_ub=np.array(rows), b_ub=np.array(rhs), bounds=(0, None), method="highs")
    return -float(result.fun) if result.status == 0 else None


def test_the_lp_matches_an_independent_build_on_random_villages() -> None:
    rng = np.random.default_rng(7)
    for _ in range(15):
        villages = [
            village(
                i,
                {
                    "farmers": int(rng.integers(0, 40)),
                    "transport": int(rng.integers(0, 40)),
                    "village_officials": int(rng.integers(1, 5)),
                },
                dana_desa=float(rng.integers(0, 400_000)),
                add=float(rng.integers(0, 100_000)),
                kabupaten="AB"[i % 2],
                priority=float(rng.choice([1.0, 2.0])),
            )
            for i in range(1, int(rng.integers(3, 7)))
        ]
        fields: dict[str, Any] = dict(
            fiscal_year=2026,
            start_month=int(rng.integers(1, 13)),
            horizon_months=int(rng.integers(1, 13)),
            packages=[RULES_PACKAGE, {"code": "JKK-JKM-JHT", "declared_income_idr": 1_000_000, "value": 1.3}],
            group_weights={"transport": 1.5},
            budget={
                "dana_desa_share": 1.0,
                "add_share": 0.5,
                "apbd_pool_idr": {k: float(rng.integers(1, 600_000)) for k in "AB"},
            },
            targets={"group_min_coverage": {"village_officials": float(rng.choice([0.0, 0.5]))}},
        )
        problem = rules_problem(villages, **fields)
        plan = solve(problem)
        reference = _reference_optimum(problem)
        if reference is None:
            assert plan.status == Status.infeasible
            continue
        assert plan.status == Status.optimal and plan.check is not None and plan.check.ok
        assert plan.lp_bound == pytest.approx(reference, rel=1e-7, abs=1e-7)
        assert plan.objective == pytest.approx(reference, rel=1e-6, abs=1e-6)


def test_when_add_pays_the_full_premium_dana_desa_and_add_are_separate_accounts(tmp_path: Any) -> None:
    import shutil

    import yaml

    from models import Scenario
    from scenarios.rules import RULES_DIR, load_rules, resolve

    folder = tmp_path / "rules"
    shutil.copytree(RULES_DIR, folder)
    path = folder / "jkk_jkm_reduction_sources.yaml"
    data = yaml.safe_load(path.read_text())
    data["values"] = {k: {**v, "add": False} for k, v in data["values"].items()}
    path.write_text(yaml.safe_dump(data))
    scenario = resolve(
        Scenario.model_validate(
            {
                "fiscal_year": 2026,
                "start_month": 4,
                "horizon_months": 1,
                "packages": [RULES_PACKAGE],
                "budget": {"dana_desa_share": 1.0, "add_share": 1.0},
            }
        ),
        rules=load_rules(folder),
    )
    villages = [village(1, {"farmers": 30}, dana_desa=84_000, add=84_000)]
    problem = Problem(table=VillageTable(groups=["farmers"], villages=villages), scenario=scenario)

    plan = solve(problem)

    # dana desa buys 10 at Rp8,400, ADD 5 at Rp16,800
    assert plan.status == Status.optimal and plan.check is not None and plan.check.ok
    assert plan.objective == pytest.approx(15.0)
    assert plan.new_by_source == pytest.approx({"dana_desa": 10.0, "add": 5.0, "apbd_pool": 0.0})
