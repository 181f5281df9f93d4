"""A comparison with a plan that has no villages (an infeasible one) is a table with empty
deltas, not an error (schemathesis found the 500)."""

from __future__ import annotations

import math

from scenario_helpers import small_plan

from models import Status
from scenarios.compare import compare_plans, comparison_csv_bytes, comparison_dict


def test_an_infeasible_baseline_compares_with_empty_deltas() -> None:
    plan = small_plan()
    infeasible = plan.model_copy(update={"villages": [], "totals": None, "status": Status.infeasible})

    comparison = compare_plans(("infeasible", infeasible), [("feasible", plan)])

    totals = comparison_dict(comparison)["totals"]
    assert totals[0]["coverage_after"] is None and totals[0]["coverage_after_delta"] is None
    assert totals[1]["new_enrollments_delta"] == plan.totals.new_enrollments  # type: ignore[union-attr]
    assert math.isnan(comparison.totals["coverage_after_delta"].iloc[1])
    assert comparison_csv_bytes(comparison, "totals").count(b"\n") == 3
