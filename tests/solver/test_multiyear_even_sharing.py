"""The even sharing of multi-year plans: equally valued villages and groups get equal shares, and
the plan does not depend on the order of the table's rows or columns."""

from __future__ import annotations

import random
from typing import Any

import pytest
from conftest import village

import scenarios
from models import Plan, Problem, Status, VillageTable
from solver import solve

PREMIUM = {"code": "JKK-JKM", "monthly_premium_idr": 10_000, "value": 1.0}  # Rp120,000 a year


def years_problem(villages: list[Any], groups: list[str] | None = None, **fields: Any) -> Problem:
    groups = groups or list(dict.fromkeys(g for v in villages for g in v.uninsured))
    fields.setdefault("packages", [PREMIUM])
    return Problem(
        table=VillageTable(groups=groups, villages=villages), scenario=scenarios.scenario_from_dict(fields)
    )


def _villages() -> list[Any]:
    # four villages without money of their own; two pairs alike (the same uninsured workers)
    return [
        village(1, {"farmers": 100, "fishers": 50}),
        village(2, {"farmers": 100, "fishers": 50}),
        village(3, {"farmers": 40, "fishers": 20}),
        village(4, {"farmers": 40, "fishers": 20}),
    ]


SCENARIO: dict[str, Any] = {
    # one pool of Rp12,000,000 (100 workers) in year 1, Rp24,000,000 (200) in years 2 and 3: too
    # little for the 420 uninsured, every group and village valued alike
    "multi_year": {"years": 3, "apbd_pool_idr": [12_000_000, 24_000_000, 24_000_000]}
}


def _by_village_year(plan: Plan) -> dict[tuple[str, int], float]:
    return {(vy.village_code, vy.year): vy.new_enrollments for vy in plan.village_years}


def test_equally_valued_villages_get_equal_shares_of_their_uninsured_each_year() -> None:
    plan = solve(years_problem(_villages(), **SCENARIO))
    assert plan.status == Status.optimal and plan.check is not None and plan.check.ok
    assert plan.preferred
    assert plan.objective == pytest.approx(3 * 100 + 2 * 100)  # 100 from year 1, 100 more from 2
    new = _by_village_year(plan)
    total_uninsured = {"32.16.01.2001": 150, "32.16.01.2002": 150, "32.16.01.2003": 60, "32.16.01.2004": 60}
    for year in (1, 2):
        # every village the same share of its uninsured workers: 100 / 420 in year 1
        shares = {code: new[(code, year)] / u for code, u in total_uninsured.items()}
        assert max(shares.values()) - min(shares.values()) < 1e-7, shares
        assert shares["32.16.01.2001"] == pytest.approx(100 / 420, rel=1e-6)
    for vy in plan.village_years:  # and within a village, farmers and fishers alike
        if vy.new_enrollments > 1e-3:
            farmers = vy.enrollments["farmers"]["JKK-JKM"]
            fishers = vy.enrollments["fishers"]["JKK-JKM"]
            assert farmers == pytest.approx(2 * fishers, rel=1e-6)


def test_shuffled_rows_and_columns_give_the_same_plan() -> None:
    base = solve(years_problem(_villages(), **SCENARIO))
    rng = random.Random(7)
    for _ in range(3):
        villages = _villages()
        rng.shuffle(villages)
        groups = ["fishers", "farmers"] if rng.random() < 0.5 else ["farmers", "fishers"]
        plan = solve(years_problem(villages, groups=groups, **SCENARIO))
        assert plan.objective == pytest.approx(base.objective)
        assert _by_village_year(plan) == pytest.approx(_by_village_year(base), abs=1e-6)
        again = {(vy.village_code, vy.year): vy.enrollments for vy in plan.village_years}
        for vy in base.village_years:
            for group, packages in vy.enrollments.items():
                assert again[(vy.village_code, vy.year)][group] == pytest.approx(packages, abs=1e-6)
