"""Acceptance checks between plans: rules a compared plan must keep, pass or fail, with the
villages that break them; and warnings when the plans do not compare like with like.

Pure: plans and rules in, results out. Villages are matched by `village_code`; a village the
compared plan lacks has no enrolments there.
"""

from __future__ import annotations

from models import AcceptanceRule, Plan, RuleKind, RuleResult

_LISTED = 1_000  # village codes listed per broken rule; the detail counts them all


def warnings(
    baseline: tuple[str, Plan], others: list[tuple[str, Plan]], datasets: dict[str, object] | None = None
) -> list[str]:
    """Reasons the comparison may not be like with like. `datasets`: label -> dataset id."""
    base_label, base = baseline
    out = []
    base_codes = {v.village_code for v in base.villages}
    for label, plan in others:
        if plan.objective_name != base.objective_name:
            out.append(
                f"{label} maximises '{plan.objective_name}', the baseline "
                f"'{base.objective_name}': their objectives are not comparable."
            )
        if datasets is not None and datasets.get(label) != datasets.get(base_label):
            out.append(
                f"{label} was solved on another village table (dataset "
                f"{datasets.get(label)}) than the baseline (dataset "
                f"{datasets.get(base_label)})."
            )
        codes = {v.village_code for v in plan.villages}
        if codes != base_codes and plan.villages and base.villages:
            out.append(
                f"{label} has {len(codes - base_codes)} villages the baseline lacks, and "
                f"lacks {len(base_codes - codes)} of the baseline's."
            )
        if plan.integer != base.integer:
            out.append(
                f"{label} is {'whole' if plan.integer else 'fractional'} workers, the "
                f"baseline {'whole' if base.integer else 'fractional'}."
            )
    return out


def check_rules(
    baseline: tuple[str, Plan], others: list[tuple[str, Plan]], rules: list[AcceptanceRule]
) -> list[RuleResult]:
    """Every rule against every compared plan."""
    return [_check(rule, baseline[1], label, plan) for label, plan in others for rule in rules]


def _check(rule: AcceptanceRule, base: Plan, label: str, plan: Plan) -> RuleResult:
    def result(broken: list[str], passed_words: str, failed_words: str) -> RuleResult:
        return RuleResult(
            plan=label,
            rule=rule,
            passed=not broken and not failed_words,
            detail=failed_words or passed_words,
            villages=broken[:_LISTED],
        )

    if rule.kind == RuleKind.no_village_loses_enrollments:
        mine = {v.village_code: v.new_enrollments for v in plan.villages}
        broken = [
            v.village_code
            for v in base.villages
            if mine.get(v.village_code, 0.0) < v.new_enrollments - rule.tolerance
        ]
        return result(
            broken,
            "No village has fewer new enrolments than in the baseline.",
            f"{len(broken)} villages have fewer new enrolments than in the baseline." if broken else "",
        )
    if rule.kind == RuleKind.min_village_coverage:
        share = rule.value or 0.0
        broken = [
            v.village_code
            for v in plan.villages
            if v.coverage_after is not None and v.coverage_after < share - rule.tolerance
        ]
        return result(
            broken,
            f"Every village is covered at least {share:.1%}.",
            f"{len(broken)} villages are covered less than {share:.1%}." if broken else "",
        )
    if rule.kind == RuleKind.max_spend_idr:
        limit = rule.value or 0.0
        spend = plan.totals.spend_total_idr if plan.totals else 0.0
        over = spend > limit + rule.tolerance  # rupiah
        return result(
            [],
            f"The plan spends Rp{spend:,.0f}, within Rp{limit:,.0f}.",
            f"The plan spends Rp{spend:,.0f}, Rp{spend - limit:,.0f} more than Rp{limit:,.0f}."
            if over
            else "",
        )
    # objective not lower than the baseline's (for min_cost: not higher)
    if plan.objective is None or base.objective is None:
        return result([], "", "A plan without an objective cannot keep this rule.")
    worse = (
        plan.objective > base.objective + rule.tolerance * max(1.0, abs(base.objective))
        if plan.objective_name == "min_cost"
        else plan.objective < base.objective - rule.tolerance * max(1.0, abs(base.objective))
    )
    return result(
        [],
        f"The objective {plan.objective:,.2f} is not worse than the baseline's {base.objective:,.2f}.",
        f"The objective {plan.objective:,.2f} is worse than the baseline's {base.objective:,.2f}."
        if worse
        else "",
    )
