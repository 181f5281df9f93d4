"""Known optima: each constraint family binds at least once, both objectives, continuous and whole."""

from __future__ import annotations

import pytest
from conftest import C_CHEAP, C_JHT, CHEAP, JHT, problem, village

from models import Status
from solver import solve


def test_dana_desa_cap_binds_and_buys_fractional_workers():
    # 1% of Rp1 billion = Rp10,000,000 buys 10,000,000 / 201,600 workers
    plan = solve(problem([village(1, {"farmers": 1000}, dana_desa=1e9)], budget={"dana_desa_share": 0.01}))
    assert plan.status == Status.optimal
    assert plan.objective == pytest.approx(1e7 / C_CHEAP)
    v = plan.villages[0]
    assert v.spend_dana_desa_idr == pytest.approx(1e7)
    assert v.spend_add_idr == 0 and v.spend_apbd_idr == 0


def test_group_cap_binds_and_money_is_left():
    plan = solve(problem([village(1, {"farmers": 10}, dana_desa=1e9)], budget={"dana_desa_share": 0.01}))
    assert plan.objective == pytest.approx(10)
    assert plan.villages[0].spend_total_idr == pytest.approx(10 * C_CHEAP)


def test_add_is_a_second_source_after_dana_desa():
    plan = solve(
        problem(
            [village(1, {"farmers": 1000}, dana_desa=1e8, add=1e8)],
            budget={"dana_desa_share": 0.05, "add_share": 0.1},
        )
    )
    v = plan.villages[0]
    assert v.spend_dana_desa_idr == pytest.approx(5e6)
    assert v.spend_add_idr == pytest.approx(1e7)
    assert plan.objective == pytest.approx(1.5e7 / C_CHEAP)


def test_village_max_share_overrides_the_scenario_share():
    plan = solve(
        problem(
            [
                village(1, {"farmers": 1000}, dana_desa=1e9, max_share=0.002),
                village(2, {"farmers": 1000}, dana_desa=1e9),
            ],
            budget={"dana_desa_share": 0.01},
        )
    )
    by_code = {v.village_code: v for v in plan.villages}
    assert by_code["32.16.01.2001"].spend_dana_desa_idr == pytest.approx(2e6)
    assert by_code["32.16.01.2002"].spend_dana_desa_idr == pytest.approx(1e7)


def test_pool_goes_to_the_higher_priority_village_and_per_kabupaten_pools_stay_apart():
    villages = [
        village(1, {"farmers": 100}, kabupaten="A", priority=1.0),
        village(2, {"farmers": 100}, kabupaten="A", priority=2.0),
        village(3, {"farmers": 100}, kabupaten="B", priority=1.0),
    ]
    plan = solve(problem(villages, budget={"apbd_pool_idr": {"A": 20 * C_CHEAP, "B": 5 * C_CHEAP}}))
    new = {v.village_code[-1]: v.new_enrollments for v in plan.villages}
    assert new == pytest.approx({"1": 0, "2": 20, "3": 5})
    assert plan.objective == pytest.approx(2 * 20 + 5)
    pools = {p.kabupaten: p for p in plan.pools}
    assert pools["A"].spent_idr == pytest.approx(20 * C_CHEAP)
    assert pools["B"].spent_idr == pytest.approx(5 * C_CHEAP)
    assert plan.blocks == 2


def test_one_pool_for_the_table_is_shared():
    villages = [
        village(1, {"farmers": 100}, kabupaten="A"),
        village(2, {"farmers": 100}, kabupaten="B", priority=3.0),
    ]
    plan = solve(problem(villages, budget={"apbd_pool_idr": 150 * C_CHEAP}))
    new = {v.village_code[-1]: v.new_enrollments for v in plan.villages}
    assert new == pytest.approx({"1": 50, "2": 100})
    assert plan.objective == pytest.approx(50 + 300)


def test_group_weights_and_package_values_choose_where_money_goes():
    # fishers weigh 3, farmers 1: the money goes to fishers first, then upgrades to JHT are worth
    # 0.3 x 3 for Rp240,000 (3.75e-6 per rupiah) against a new farmer at 1 / 201,600 (4.96e-6)
    cap = 10 * C_CHEAP + 10 * C_CHEAP
    plan = solve(
        problem(
            [village(1, {"fishers": 10, "farmers": 10}, dana_desa=cap)],
            packages=[CHEAP, JHT],
            group_weights={"fishers": 3.0},
            budget={"dana_desa_share": 1.0},
        )
    )
    e = plan.villages[0].enrollments
    assert e["fishers"]["JKK-JKM"] == pytest.approx(10)
    assert e["farmers"]["JKK-JKM"] == pytest.approx(10)
    assert plan.objective == pytest.approx(40)


def test_upgrades_to_jht_when_every_worker_is_covered():
    cap = 10 * C_JHT
    plan = solve(
        problem(
            [village(1, {"farmers": 10}, dana_desa=cap)],
            packages=[CHEAP, JHT],
            budget={"dana_desa_share": 1.0},
        )
    )
    assert plan.villages[0].enrollments["farmers"]["JKK-JKM-JHT"] == pytest.approx(10)
    assert plan.objective == pytest.approx(13)


def test_coverage_floor_binds_against_the_objective():
    # priority 0 for village 2: only its 30% floor makes it enrol (30% of 100 minus 10 enrolled)
    villages = [
        village(1, {"farmers": 1000}, dana_desa=1e10),
        village(2, {"farmers": 90}, enrolled={"farmers": 10}, dana_desa=1e9, priority=0),
    ]
    plan = solve(problem(villages, budget={"dana_desa_share": 0.01}, targets={"min_coverage": 0.3}))
    by_code = {v.village_code[-1]: v for v in plan.villages}
    assert by_code["2"].new_enrollments == pytest.approx(20)
    assert by_code["2"].coverage_after == pytest.approx(0.3)
    assert by_code["1"].new_enrollments == pytest.approx(1e8 / C_CHEAP)


def test_min_cost_meets_group_floor_with_the_cheapest_package():
    plan = solve(
        problem(
            [village(1, {"farmers": 100, "village_officials": 40}, dana_desa=1e9)],
            packages=[CHEAP, JHT],
            objective="min_cost",
            budget={"dana_desa_share": 0.05},
            targets={"group_min_coverage": {"village_officials": 1.0}},
        )
    )
    assert plan.status == Status.optimal
    assert plan.objective == pytest.approx(40 * C_CHEAP)
    assert plan.villages[0].enrollments["village_officials"]["JKK-JKM"] == pytest.approx(40)
    assert plan.villages[0].enrollments["farmers"]["JKK-JKM"] == pytest.approx(0)


def test_min_cost_reaches_the_table_target_using_the_pool_last():
    villages = [village(1, {"farmers": 100}, dana_desa=10 * C_CHEAP), village(2, {"farmers": 100})]
    plan = solve(
        problem(
            villages,
            objective="min_cost",
            targets={"min_new_enrollments": 30},
            budget={"dana_desa_share": 1.0, "apbd_pool_idr": 1e9},
        )
    )
    assert plan.objective == pytest.approx(30 * C_CHEAP)
    assert plan.totals.new_enrollments == pytest.approx(30)
    # the village's own dana desa pays first, the pool only what it cannot
    assert plan.totals.spend_dana_desa_idr == pytest.approx(
        min(10, plan.villages[0].new_enrollments) * C_CHEAP
    )
    assert plan.totals.spend_apbd_idr == pytest.approx(30 * C_CHEAP - plan.totals.spend_dana_desa_idr)


def test_whole_workers_round_down_and_stay_within_the_cap():
    plan = solve(
        problem(
            [village(1, {"farmers": 1000}, dana_desa=1e9)], integer=True, budget={"dana_desa_share": 0.01}
        )
    )
    assert plan.status == Status.optimal
    assert plan.objective == 49  # floor(49.6)
    assert plan.lp_bound == pytest.approx(1e7 / C_CHEAP)
    assert plan.gap_to_lp_bound == pytest.approx((1e7 / C_CHEAP - 49) / (1e7 / C_CHEAP))
    assert plan.villages[0].spend_total_idr == 49 * C_CHEAP


def test_whole_workers_round_floors_up():
    # 25% of 10 workers is 2.5: whole workers need 3
    plan = solve(
        problem(
            [village(1, {"farmers": 10}, dana_desa=1e9, priority=0)],
            integer=True,
            budget={"dana_desa_share": 0.01},
            targets={"min_coverage": 0.25},
        )
    )
    assert plan.villages[0].new_enrollments == 3


def test_the_default_whole_number_plan_is_the_mip_optimum_on_a_small_problem():
    villages = [
        village(i, {"farmers": 7 + i, "fishers": 3 * i}, dana_desa=1e8 + 3e7 * i, priority=1 + i / 10)
        for i in range(1, 6)
    ]
    kwargs = dict(
        packages=[CHEAP, JHT],
        integer=True,
        group_weights={"fishers": 2.0},
        budget={"dana_desa_share": 0.02, "apbd_pool_idr": 3e6},
        targets={"min_coverage": 0.3},
    )
    from models import IntegerMethod, SolveOptions

    # the default rounds the LP, then proves (or beats) it by branch and bound: here it beats it
    rounded = solve(problem(villages, **kwargs))
    mip = solve(problem(villages, **kwargs), SolveOptions(integer_method=IntegerMethod.mip))
    assert mip.status == Status.optimal and rounded.status == Status.optimal
    assert mip.method.value == "mip" and rounded.method.value in ("lp_rounded", "mip")
    assert rounded.objective == pytest.approx(mip.objective, abs=1e-9)
    assert mip.objective <= mip.lp_bound + 2e-6
    assert mip.gap_to_lp_bound <= 0.01
    for plan in (rounded, mip):
        assert plan.check.ok
        assert all(
            float(c).is_integer()
            for v in plan.villages
            for per_p in v.enrollments.values()
            for c in per_p.values()
        )
