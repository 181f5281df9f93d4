"""Golden figures for the Kabupaten Bekasi examples: status, objective and the continuous bound.

If the example data or the model change on purpose, these figures change with them: update them
from `desaplan solve` and say why in the commit.
"""

from __future__ import annotations

import pytest

import scenarios
from models import Problem, Status
from scenarios.examples import BEKASI_VILLAGES, bekasi_scenarios
from solver import solve

GOLDEN = {
    # slug: (status, LP optimum (the bound), whole-number objective or None)
    # whole-number plans are the proven optimum (HiGHS's branch and bound), no longer the rounded
    # LP's 48,781.75 and 425,567.00
    "dd3_officials": (Status.optimal, 48_809.78, 48_782.00),
    "add_pool_floor20": (Status.optimal, 425_663.33, 425_567.50),
    "min_cost_19000": (Status.optimal, 3_830_400_000.0, 3_830_400_000.0),
    "contract_example": (Status.infeasible, None, None),
}


@pytest.mark.parametrize("slug", sorted(GOLDEN))
def test_example(slug: str) -> None:
    table = scenarios.read_villages(BEKASI_VILLAGES)
    scenario = scenarios.read_scenario(bekasi_scenarios()[slug])
    plan = solve(Problem(table=table, scenario=scenario))
    status, bound, objective = GOLDEN[slug]
    assert plan.status == status
    if bound is None:
        assert plan.objective is None and plan.explanations
        return
    assert plan.check is not None and plan.check.ok
    assert plan.lp_bound == pytest.approx(bound, abs=0.01)
    assert plan.objective == pytest.approx(objective, abs=0.01)
