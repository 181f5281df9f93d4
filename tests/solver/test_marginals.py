"""Marginal values of money against re-solving with the cap raised."""

from __future__ import annotations

import pytest
from conftest import CHEAP, JHT, problem, village

from models import Status
from solver import solve

MILLION = 1_000_000


def _villages(dana_desa_1: float = 2e9, pool: float = 0.0):
    return [
        village(1, {"farmers": 4000, "fishers": 300}, dana_desa=dana_desa_1, kabupaten="A"),
        village(2, {"farmers": 3000, "fishers": 50}, dana_desa=1.5e9, priority=1.5, kabupaten="A"),
        village(3, {"farmers": 20}, dana_desa=3e9, kabupaten="A"),
    ]  # cap slack: value 0


def _scenario(pool: float) -> dict:
    return dict(
        packages=[CHEAP, JHT],
        group_weights={"fishers": 2.0},
        budget={"dana_desa_share": 0.01, "apbd_pool_idr": {"A": pool}},
        targets={"min_coverage": 0.01},
    )


def test_village_marginal_matches_a_resolve_with_one_more_million():
    base = solve(problem(_villages(), **_scenario(5e6)))
    # one more million of cap for village 1 = Rp100 million more dana desa at 1%
    raised = solve(problem(_villages(dana_desa_1=2e9 + MILLION / 0.01), **_scenario(5e6)))
    assert base.status == raised.status == Status.optimal
    marginal = base.villages[0].marginal_value_per_million
    assert marginal is not None and marginal > 0
    assert raised.objective - base.objective == pytest.approx(marginal, rel=1e-6)
    # a village whose cap is not spent gains nothing from more
    assert base.villages[2].marginal_value_per_million == pytest.approx(0, abs=1e-9)


def test_pool_marginal_matches_a_resolve_with_one_more_million():
    base = solve(problem(_villages(), **_scenario(5e6)))
    raised = solve(problem(_villages(), **_scenario(5e6 + MILLION)))
    [pool] = base.pools
    assert pool.marginal_value_per_million is not None and pool.marginal_value_per_million > 0
    assert raised.objective - base.objective == pytest.approx(pool.marginal_value_per_million, rel=1e-6)


def test_whole_number_plans_carry_the_marginals_of_their_lp_relaxation():
    whole = solve(problem(_villages(), integer=True, **_scenario(5e6)))
    relaxed = solve(problem(_villages(), **_scenario(5e6)))
    assert whole.marginals_from == "lp_relaxation" and relaxed.marginals_from == "lp"
    for w, r in zip(whole.villages, relaxed.villages, strict=True):
        assert w.marginal_value_per_million == pytest.approx(r.marginal_value_per_million, abs=1e-9)
        assert w.marginal_enrollments_per_million == pytest.approx(
            r.marginal_enrollments_per_million, abs=1e-9
        )
    assert whole.pools[0].marginal_enrollments_per_billion == pytest.approx(
        relaxed.pools[0].marginal_enrollments_per_billion
    )


def test_workers_per_million_match_a_resolve_with_one_more_million():
    base = solve(problem(_villages(), **_scenario(5e6)))
    raised = solve(problem(_villages(dana_desa_1=2e9 + MILLION / 0.01), **_scenario(5e6)))
    v = base.villages[0]
    assert v.marginal_enrollments_per_million is not None and v.marginal_enrollments_per_million > 0
    assert raised.totals.new_enrollments - base.totals.new_enrollments == pytest.approx(
        v.marginal_enrollments_per_million, rel=1e-6
    )
    # the rate holds over its range: half of it more buys half the range's worth
    assert v.marginal_range_idr is not None and v.marginal_range_idr > MILLION
    half = v.marginal_range_idr / 2
    further = solve(problem(_villages(dana_desa_1=2e9 + half / 0.01), **_scenario(5e6)))
    assert further.objective - base.objective == pytest.approx(
        v.marginal_value_per_million * half / MILLION, rel=1e-6
    )


def test_one_more_billion_in_the_pool_is_reported_as_a_rate_and_exactly():
    base = solve(problem(_villages(), **_scenario(5e6)))
    raised = solve(problem(_villages(), **_scenario(5e6 + 1e9)))
    [pool] = base.pools
    gained = raised.totals.new_enrollments - base.totals.new_enrollments
    assert pool.plus_billion_enrollments == pytest.approx(gained, rel=1e-6)
    # the re-solve's answer and its gain, each in its own field; the gain keeps its old name too
    assert pool.plus_billion_objective == pytest.approx(raised.objective, rel=1e-9)
    assert pool.plus_billion_gain == pytest.approx(raised.objective - base.objective, rel=1e-6)
    assert pool.plus_billion_value == pool.plus_billion_gain
    assert pool.marginal_value_per_billion == pytest.approx(pool.marginal_value_per_million * 1000)
    # within the range the rate is exact; beyond it the exact re-solve says less
    assert pool.marginal_range_idr is not None
    if pool.marginal_range_idr >= 1e9:
        assert pool.marginal_enrollments_per_billion == pytest.approx(gained, rel=1e-6)
    else:
        assert pool.marginal_enrollments_per_billion >= gained - 1e-6
