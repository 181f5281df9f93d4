"""Comparisons: two or more stored plans, one the baseline; the data work is scenarios.compare."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.errors import NotFound
from app.i18n import N_, Lang, speaker
from app.processes import filework
from app.processes.bounded import building
from app.services import plans
from models import AcceptanceRule, InputError, InputIssue, Plan
from models.tables import (
    Comparison,
    ComparisonChecksResult,
    ComparisonCreate,
    ComparisonPublic,
    ComparisonResult,
    InShort,
    Page,
    PlanRecord,
    ScenarioRecord,
    ScenarioVersion,
)
from scenarios.acceptance import check_rules, warnings
from scenarios.compare import PlanComparison, compare_plans, comparison_dict


def create(session: Session, body: ComparisonCreate) -> Comparison:
    plan_ids = list(body.plan_ids)
    issues = []
    if body.baseline_plan_id in plan_ids:
        issues.append(InputIssue(field="plan_ids", message="the baseline cannot also be a compared plan"))
    if len(set(plan_ids)) != len(plan_ids):
        issues.append(InputIssue(field="plan_ids", message="a plan is listed more than once"))
    if issues:
        raise InputError(issues, title="The comparison was refused")
    for plan_id in [body.baseline_plan_id, *plan_ids]:
        record = plans.get_record(session, plan_id)  # 404 for a plan that does not exist
        plans.refuse_unchecked(record, "comparisons")
    comparison = Comparison(
        baseline_plan_id=body.baseline_plan_id,
        plan_ids=plan_ids,
        rules=[r.model_dump(mode="json") for r in body.rules],
    )
    session.add(comparison)
    session.commit()
    session.refresh(comparison)
    return comparison


def get(session: Session, comparison_id: int) -> Comparison:
    comparison = session.get(Comparison, comparison_id)
    if comparison is None:
        raise NotFound(N_("Comparison %(comparison)s does not exist."), comparison=comparison_id)
    return comparison


def list_comparisons(session: Session, offset: int, limit: int) -> Page[ComparisonPublic]:
    total = session.scalar(select(func.count()).select_from(Comparison)) or 0
    rows = session.scalars(select(Comparison).order_by(col(Comparison.id)).offset(offset).limit(limit)).all()
    items = [ComparisonPublic.model_validate(r, from_attributes=True) for r in rows]
    return Page[ComparisonPublic](items=items, total=total, offset=offset, limit=limit)


def _label(session: Session, record: PlanRecord, lang: Lang | None) -> str:
    """How the comparison names a plan. For people (`lang`): its scenario's name and version, in
    words (`Bekasi 2026 (versi 2)`); for the API's JSON (no `lang`): a stable key with the plan's
    id and the scenario's slug (`plan 3: add-pool-floor20 v1`)."""
    scenario = session.get(ScenarioRecord, record.scenario_id)
    version = session.get(ScenarioVersion, record.scenario_version_id)
    assert scenario is not None and version is not None
    if lang is None:
        return f"plan {record.id}: {scenario.slug} v{version.version}"
    return speaker(lang).gettext("%(name)s (version %(version)s)") % {
        "name": scenario.name,
        "version": version.version,
    }


def _labels(session: Session, comparison: Comparison, lang: Lang | None) -> dict[int, str]:
    """Each plan's label; two plans of the same scenario version are told apart by their number."""
    ids = [comparison.baseline_plan_id, *comparison.plan_ids]
    labels = {plan_id: _label(session, plans.get_record(session, plan_id), lang) for plan_id in ids}
    if lang is not None and len(set(labels.values())) < len(labels):
        say = speaker(lang)
        seen = list(labels.values())
        for plan_id, label in labels.items():
            if seen.count(label) > 1:
                labels[plan_id] = say.gettext("%(label)s, plan %(id)s") % {"label": label, "id": plan_id}
    return labels


def compute(
    session: Session, comparison: Comparison, top: int = 10, lang: Lang | None = None
) -> PlanComparison:
    """The comparison's tables; `lang`: plans named for people in that language (see `_label`)."""
    labels = _labels(session, comparison, lang)

    def labelled(plan_id: int) -> tuple[str, Plan]:
        return labels[plan_id], plans.load_plan(session, plan_id)

    return compare_plans(
        labelled(comparison.baseline_plan_id),
        [labelled(plan_id) for plan_id in comparison.plan_ids],
        top=top,
    )


def in_short(session: Session, comparison: Comparison, lang: Lang) -> InShort:
    """Each compared plan against the baseline in one sentence."""
    from app.i18n.in_short import comparison_in_short

    return InShort(lang=lang, text=comparison_in_short(compute(session, comparison, lang=lang), lang))


def checks(
    session: Session, comparison: Comparison, rules: list[AcceptanceRule], lang: Lang | None = None
) -> ComparisonChecksResult:
    """The rules answered for every compared plan, and the warnings for unlike comparisons."""
    labels = _labels(session, comparison, lang)

    def labelled(plan_id: int) -> tuple[str, Plan, int]:
        record = plans.get_record(session, plan_id)
        return labels[plan_id], plans.load_plan(session, plan_id), record.dataset_id

    base_label, base_plan, base_dataset = labelled(comparison.baseline_plan_id)
    others = [labelled(plan_id) for plan_id in comparison.plan_ids]
    datasets: dict[str, object] = {base_label: base_dataset, **{lbl: d for lbl, _, d in others}}
    pairs = [(lbl, plan) for lbl, plan, _ in others]
    results = check_rules((base_label, base_plan), pairs, rules)
    return ComparisonChecksResult(
        checks=results,
        warnings=warnings((base_label, base_plan), pairs, datasets),
        passed=all(r.passed for r in results),
    )


def stored_rules(comparison: Comparison) -> list[AcceptanceRule]:
    return [AcceptanceRule.model_validate(rule) for rule in comparison.rules or []]


def result(
    session: Session,
    comparison: Comparison,
    villages: bool = True,
    top: int = 10,
    rules: list[AcceptanceRule] | None = None,
) -> ComparisonResult:
    data = comparison_dict(compute(session, comparison, top), villages=villages)
    answered = checks(session, comparison, stored_rules(comparison) if rules is None else rules)
    return ComparisonResult(
        checks=answered.checks,
        warnings=answered.warnings,
        **ComparisonPublic.model_validate(comparison, from_attributes=True).model_dump(),
        baseline=data["baseline"],
        plans=data["plans"],
        totals=data["totals"],
        kecamatan=data["kecamatan"],
        villages=data.get("villages"),
        gainers=data["gainers"],
        losers=data["losers"],
    )


def comparison_file(
    session: Session,
    comparison: Comparison,
    top: int,
    file_format: str,
    table: str,
    lang: Lang | None,
    csv_style: str,
    time_limit_s: float = 0,
) -> tuple[bytes, str]:
    """The comparison as an XLSX of every table, or a CSV of one; built within `time_limit_s`
    (503; 0: no limit). With `lang`, headers for people and formatted sheets."""
    computed = compute(session, comparison, top, lang)
    if file_format == "xlsx":
        name = f"comparison_{comparison.id}.xlsx"
    else:
        name = f"comparison_{comparison.id}_{table}.csv"
    content = building(
        time_limit_s,
        name,
        filework.comparison_bytes,
        computed,
        file_format,
        table,
        lang,
        csv_style,
    )
    return content, name
