"""Property tests: every plan respects every constraint; premiums and budgets scale as they should."""

from __future__ import annotations

import pytest
from conftest import CHEAP, JHT, problem, village
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import Problem, Status
from solver import solve

GROUPS = ["farmers", "fishers", "village_officials"]
TOL = 1e-6


@st.composite
def feasible_problems(draw: st.DrawFn) -> Problem:
    n = draw(st.integers(1, 6))
    share = draw(st.sampled_from([0.01, 0.03, 0.1]))
    add_share = draw(st.sampled_from([0.0, 0.05]))
    min_cov = draw(st.sampled_from([0.0, 0.1, 0.3]))
    officials_floor = draw(st.sampled_from([None, 0.5, 1.0]))
    integer = draw(st.booleans())
    objective = draw(st.sampled_from(["max_protection", "min_cost"]))
    kabupaten = draw(st.sampled_from([["A"], ["A", "B"]]))
    villages = []
    affordable = 0.0  # new enrolments the drawn extra money surely pays for, at the dearer package
    for i in range(n):
        uninsured = {g: draw(st.integers(0, 300)) for g in GROUPS}
        enrolled = {g: draw(st.integers(0, 50)) for g in GROUPS}
        total = sum(uninsured.values()) + sum(enrolled.values())
        need = max(min_cov * total - sum(enrolled.values()), 0)
        if officials_floor:
            need += uninsured["village_officials"] + enrolled["village_officials"]
        # enough dana desa for the floors at the dearer package, plus a drawn extra
        extra = draw(st.floats(0, 5e8))
        affordable += min(sum(uninsured.values()) - need, extra * share / (36800 * 12))
        villages.append(
            village(
                i + 1,
                uninsured,
                enrolled=enrolled,
                kabupaten=kabupaten[i % len(kabupaten)],
                dana_desa=(need + 1) * 36800 * 12 / share + extra,
                add=draw(st.floats(0, 5e8)),
                # priorities far below HiGHS's optimality tolerance (1e-7) mean nothing to it
                priority=draw(st.one_of(st.just(0.0), st.floats(0.1, 3))),
                max_share=draw(st.sampled_from([None, share])),
            )
        )
    present = sorted({v.kabupaten for v in villages})
    pool = draw(st.one_of(st.floats(0, 5e7), st.just({k: 1e7 for k in present})))
    targets = {"min_coverage": min_cov}
    if officials_floor:
        targets["group_min_coverage"] = {"village_officials": officials_floor}
    if objective == "min_cost":
        targets["min_new_enrollments"] = min(draw(st.integers(0, 20)), int(max(affordable, 0)))
    return problem(
        villages,
        packages=[CHEAP, JHT],
        integer=integer,
        objective=objective,
        group_weights={"fishers": draw(st.floats(0, 4))},
        budget={"dana_desa_share": share, "add_share": add_share, "apbd_pool_idr": pool},
        targets=targets,
    )


def _assert_respects_every_constraint(p: Problem, plan) -> None:
    s = p.scenario
    cost = {pk.code: s.annual_cost_idr(pk) for pk in s.packages}
    pool_used: dict[str, float] = {}
    objective = 0.0
    for v, vp in zip(p.table.villages, plan.villages, strict=True):
        assert vp.village_code == v.village_code
        spend = 0.0
        for g in p.table.groups:
            new_g = sum(vp.enrollments[g].values())
            assert min(vp.enrollments[g].values()) >= -TOL
            assert new_g <= v.uninsured[g] + TOL  # 1
            spend += sum(cost[k] * x for k, x in vp.enrollments[g].items())
            floor = s.targets.group_min_coverage.get(g)
            if floor is not None:  # 6
                assert v.enrolled.get(g, 0) + new_g >= floor * (v.enrolled.get(g, 0) + v.uninsured[g]) - TOL
            if s.integer:
                assert all(float(x).is_integer() for x in vp.enrollments[g].values())
            weight = s.weight(g)
            objective += sum(
                v.priority * weight * next(pk.value for pk in s.packages if pk.code == k) * x
                for k, x in vp.enrollments[g].items()
            )
        sources = vp.spend_dana_desa_idr + vp.spend_add_idr + vp.spend_apbd_idr
        # the plan's rupiah are whole: within a rupiah of the exact premiums
        assert sources == pytest.approx(spend, rel=TOL, abs=1.0)  # 2
        share = s.budget.dana_desa_share if v.max_share is None else v.max_share
        assert vp.spend_dana_desa_idr <= share * v.dana_desa_idr * (1 + TOL) + 1.0  # 3
        assert vp.spend_add_idr <= s.budget.add_share * v.add_idr * (1 + TOL) + 1.0
        assert min(vp.spend_dana_desa_idr, vp.spend_add_idr, vp.spend_apbd_idr) >= -1e-6
        pool_used[v.kabupaten] = pool_used.get(v.kabupaten, 0.0) + vp.spend_apbd_idr
        total = sum(v.uninsured.values()) + sum(v.enrolled.values())
        covered = sum(v.enrolled.values()) + vp.new_enrollments
        assert covered >= s.targets.min_coverage * total - TOL  # 5
        # the pool is spent last: a village only draws on it once its own caps are used up
        if vp.spend_apbd_idr > 1.0:
            assert vp.spend_dana_desa_idr == pytest.approx(share * v.dana_desa_idr, rel=TOL, abs=1.0)
    pool = s.budget.apbd_pool_idr
    for kab, used in pool_used.items():  # 4
        limit = pool.get(kab, 0.0) if isinstance(pool, dict) else pool
        if not isinstance(pool, dict):
            used = sum(pool_used.values())
        assert used <= limit * (1 + TOL) + 1.0
    assert plan.totals.new_enrollments >= s.targets.min_new_enrollments - TOL  # 7
    if s.objective.value == "max_protection":
        assert plan.objective == pytest.approx(objective, rel=1e-9, abs=1e-9)
    else:
        assert plan.objective == pytest.approx(plan.totals.spend_total_idr, rel=1e-9, abs=len(plan.villages))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feasible_problems())
def test_every_plan_respects_every_constraint(p: Problem) -> None:
    plan = solve(p)
    assert plan.status == Status.optimal, plan.message
    assert plan.check.ok
    _assert_respects_every_constraint(p, plan)


def _scaled(p: Problem, k: float) -> Problem:
    s = p.scenario
    pool = s.budget.apbd_pool_idr
    budget = s.budget.model_copy(
        update={"apbd_pool_idr": {a: b * k for a, b in pool.items()} if isinstance(pool, dict) else pool * k}
    )
    scenario = s.model_copy(
        update={
            "packages": [
                pk.model_copy(update={"monthly_premium_idr": pk.monthly_premium_idr * k}) for pk in s.packages
            ],
            "budget": budget,
        }
    )
    villages = [
        v.model_copy(update={"dana_desa_idr": v.dana_desa_idr * k, "add_idr": v.add_idr * k})
        for v in p.table.villages
    ]
    return Problem(table=p.table.model_copy(update={"villages": villages}), scenario=scenario)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feasible_problems(), st.sampled_from([0.5, 2.0, 7.0]))
def test_scaling_premiums_and_budgets_by_k(p: Problem, k: float) -> None:
    p = p.model_copy(update={"scenario": p.scenario.model_copy(update={"integer": False})})
    base, scaled = solve(p), solve(_scaled(p, k))
    assert base.status == scaled.status == Status.optimal
    if p.scenario.objective.value == "max_protection":
        assert scaled.objective == pytest.approx(base.objective, rel=1e-6, abs=1e-6)
    else:
        assert scaled.objective == pytest.approx(k * base.objective, rel=1e-6, abs=1e-3)
