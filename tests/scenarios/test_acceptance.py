"""Acceptance rules on hand-made plans that pass and fail."""

from __future__ import annotations

from models import AcceptanceRule, Plan, RuleKind, Status, Totals, VillagePlan
from scenarios.acceptance import check_rules, warnings


def _village(code: str, new: float, coverage: float) -> VillagePlan:
    return VillagePlan(
        village_code=code,
        village_name=code,
        kecamatan="K",
        kabupaten="",
        new_enrollments=new,
        enrollments={},
        spend_dana_desa_idr=0,
        spend_add_idr=0,
        spend_apbd_idr=0,
        spend_total_idr=new * 201_600,
        workers_enrolled_before=0,
        workers_total=100,
        coverage_before=0.0,
        coverage_after=coverage,
    )


def _plan(objective: float, villages: list[VillagePlan], objective_name: str = "max_protection") -> Plan:
    spend = sum(v.spend_total_idr for v in villages)
    totals = Totals(
        new_enrollments=sum(v.new_enrollments for v in villages),
        new_by_group={},
        new_by_package={},
        spend_dana_desa_idr=0,
        spend_add_idr=0,
        spend_apbd_idr=0,
        spend_total_idr=spend,
        workers_enrolled_before=0,
        workers_total=200,
        coverage_before=0,
        coverage_after=0,
        villages=len(villages),
        villages_with_new_enrollments=len(villages),
    )
    return Plan(
        status=Status.optimal,
        objective=objective,
        objective_name=objective_name,
        scenario_name="s",
        totals=totals,
        villages=villages,
    )


BASE = _plan(100.0, [_village("A", 30, 0.3), _village("B", 20, 0.2)])
GOOD = _plan(110.0, [_village("A", 30, 0.3), _village("B", 25, 0.25)])
BAD = _plan(90.0, [_village("A", 10, 0.1), _village("B", 70, 0.7)])
RULES = [
    AcceptanceRule(kind=RuleKind.no_village_loses_enrollments),
    AcceptanceRule(kind=RuleKind.min_village_coverage, value=0.2),
    AcceptanceRule(kind=RuleKind.max_spend_idr, value=12_000_000),
    AcceptanceRule(kind=RuleKind.objective_not_lower),
]


def test_a_plan_that_keeps_every_promise_passes_every_rule():
    results = check_rules(("base", BASE), [("good", GOOD)], RULES)
    assert [r.passed for r in results] == [True, True, True, True]
    assert all(r.villages == [] for r in results)


def test_a_plan_that_breaks_them_fails_with_the_villages():
    results = check_rules(("base", BASE), [("bad", BAD)], RULES)
    by_kind = {r.rule.kind: r for r in results}
    assert by_kind[RuleKind.no_village_loses_enrollments].villages == ["A"]
    assert by_kind[RuleKind.min_village_coverage].villages == ["A"]
    assert not by_kind[RuleKind.max_spend_idr].passed  # 80 workers: Rp16,128,000
    assert not by_kind[RuleKind.objective_not_lower].passed
    assert "90.00" in by_kind[RuleKind.objective_not_lower].detail


def test_spend_within_limit_passes_at_the_limit_and_fails_above():
    at = AcceptanceRule(kind=RuleKind.max_spend_idr, value=55 * 201_600)
    below = AcceptanceRule(kind=RuleKind.max_spend_idr, value=55 * 201_600 - 1)
    [ok] = check_rules(("base", BASE), [("good", GOOD)], [at])
    [fails] = check_rules(("base", BASE), [("good", GOOD)], [below])
    assert ok.passed and not fails.passed


def test_min_cost_objective_not_higher():
    base = _plan(100.0, [_village("A", 1, 0.3)], "min_cost")
    dearer = _plan(120.0, [_village("A", 1, 0.3)], "min_cost")
    [r] = check_rules(
        ("base", base), [("dearer", dearer)], [AcceptanceRule(kind=RuleKind.objective_not_lower)]
    )
    assert not r.passed


def test_warnings_for_other_objectives_and_datasets():
    other = _plan(1.0, [_village("A", 1, 0.1), _village("C", 1, 0.1)], "min_cost")
    said = warnings(("base", BASE), [("other", other)], datasets={"base": 1, "other": 2})
    assert any("objectives are not comparable" in w for w in said)
    assert any("another village table" in w for w in said)
    assert any("1 villages the baseline lacks" in w for w in said)
    assert warnings(("base", BASE), [("good", GOOD)], datasets={"base": 1, "good": 1}) == []
