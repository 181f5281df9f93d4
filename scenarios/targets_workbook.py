"""The planner's targets workbook, headers in the planner's language: its sheets (targets, the
village offices' A4 sheet, kecamatan, monthly contributions, parameters), the workbook's bytes, and
one workbook per kabupaten or kecamatan zipped (`split_targets_zip`)."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pandas as pd

from models import Plan, Scenario
from scenarios.labels import (
    OBJECTIVE_NAMES,
    SOURCE_NAMES,
    STATUS_NAMES,
    Translate,
    column_label,
    english,
    group_name,
    sector_words,
)
from scenarios.plan_writers import (
    DECIMALS,
    MARGINAL_COLUMNS,
    SPEND_COLUMNS,
    kecamatan_summary,
    plain_numbers,
    plan_groups_and_packages,
    targets_frame,
)
from scenarios.rules import premium_ranges
from scenarios.shared_frames import shared
from scenarios.xlsx import Sheet, items_sheet, labelled_sheet, sheets_to_xlsx


def _coverage(villages: list[Any]) -> tuple[float | None, float | None]:
    """Coverage before and after over all workers of `villages` (weighted by workers)."""
    workers = sum(v.workers_total for v in villages)
    if not workers:
        return None, None
    before = sum(v.workers_enrolled_before for v in villages)
    after = before + sum(v.new_enrollments for v in villages)
    return before / workers, after / workers


def planner_headers(frame: pd.DataFrame, plan: Plan, tr: Translate) -> list[str]:
    groups, packages = plan_groups_and_packages(plan)
    return [column_label(str(c), tr, groups, packages) for c in frame.columns]


_RULES_CONTRIBUTION_COLUMNS = [
    "village_code",
    "village_name",
    "kecamatan",
    "package",
    "source",
    "sector",
    "month",
    "new_workers",
    "monthly_premium_idr",
    "monthly_contribution_idr",
]


def _rules_contributions_frame(plan: Plan, scenario: Scenario) -> pd.DataFrame:
    """A plan priced by the contribution rules: per village, package, paying source and sector,
    one row a month with that month's premium (which the rules may change within the plan)."""
    typed = {p.code: p.monthly_premium_idr for p in scenario.packages if p.monthly_premium_idr}
    monthly = {
        (p.package, p.month, p.sector, p.source.value if p.source else None): p.premium_idr
        for p in plan.premiums
        if p.month is not None
    }
    villages = {v.village_code: (i, v) for i, v in enumerate(plan.villages)}
    paid = sorted(
        (e for e in plan.source_enrollments if e.workers > 1e-9 and e.village_code in villages),
        key=lambda e: (villages[e.village_code][0], e.package, e.source, e.sector),
    )
    rows = []
    for e in paid:
        village = villages[e.village_code][1]
        count = round(e.workers) if plan.integer else round(e.workers, DECIMALS)
        for month in plan.months:
            premium = typed.get(e.package, monthly.get((e.package, month, e.sector, e.source), 0.0))
            rows.append(
                {
                    "village_code": village.village_code,
                    "village_name": village.village_name,
                    "kecamatan": village.kecamatan,
                    "package": e.package,
                    "source": e.source,
                    "sector": e.sector,
                    "month": month,
                    "new_workers": count,
                    "monthly_premium_idr": round(premium),
                    "monthly_contribution_idr": round(e.workers * premium),
                }
            )
    return pd.DataFrame(rows, columns=_RULES_CONTRIBUTION_COLUMNS)


def contributions_frame(plan: Plan, scenario: Scenario) -> pd.DataFrame:
    """For the BPJS branch: per village and package, the new workers and what the village pays
    each month and over the scenario's horizon (for a plan priced by the rules, month by month
    and by paying source and sector)."""
    key = ("contributions", scenario.model_dump_json())
    return shared(plan, key, lambda: _contributions_frame(plan, scenario))


def _contributions_frame(plan: Plan, scenario: Scenario) -> pd.DataFrame:
    if plan.rules is not None and plan.months:
        return _rules_contributions_frame(plan, scenario)
    premiums = {p.code: p.monthly_premium_idr for p in scenario.packages}
    _groups, packages = plan_groups_and_packages(plan)
    columns = [
        "village_code",
        "village_name",
        "kecamatan",
        "package",
        "new_workers",
        "monthly_premium_idr",
        "monthly_contribution_idr",
        "horizon_contribution_idr",
    ]
    data: dict[str, list[Any]] = {column: [] for column in columns}
    code, name, kecamatan, package_of, new_workers, premium_of, monthly, horizon = data.values()
    for village in plan.villages:  # a column at a time, not a dict per row
        for package in packages:
            workers = sum(by_package.get(package, 0.0) for by_package in village.enrollments.values())
            if workers <= 1e-9:
                continue
            premium = premiums.get(package) or 0.0
            code.append(village.village_code)
            name.append(village.village_name)
            kecamatan.append(village.kecamatan)
            package_of.append(package)
            new_workers.append(round(workers) if plan.integer else round(workers, DECIMALS))
            premium_of.append(round(premium))
            monthly.append(round(workers * premium))
            horizon.append(round(workers * premium * scenario.horizon_months))
    if not code:
        return pd.DataFrame([], columns=columns)
    return pd.DataFrame(data, columns=columns)


def _rules_rows(plan: Plan, tr: Translate) -> list[tuple[str, Any, str]]:
    """The contribution rules a plan used: the set and version, each run of monthly premiums by
    sector and source, and every parameter's regulation and article."""
    if plan.rules is None:
        return []
    rows: list[tuple[str, Any, str]] = [
        (tr("Contribution rules"), f"{plan.rules.name} {plan.rules.version}", "text")
    ]
    for r in premium_ranges(plan.premiums):
        sectors = sector_words(r.sectors, tr)
        sources = ", ".join(tr(SOURCE_NAMES.get(s, s)) for s in r.sources)
        for first, last, premium in r.runs:
            label = tr("Premium %(package)s, %(sectors)s, %(sources)s, %(first)s – %(last)s (Rp)") % {
                "package": r.package,
                "sectors": sectors,
                "sources": sources,
                "first": first,
                "last": last,
            }
            rows.append((label, premium, "rupiah"))
    for name, citation in plan.rules.citations.items():
        rows.append((tr("Rule %(name)s") % {"name": name}, citation.removeprefix(f"{name}: "), "text"))
    return rows


def parameter_rows(
    plan: Plan, scenario: Scenario | None, tr: Translate = english
) -> list[tuple[str, Any, str]]:
    """The scenario's parameters and the plan's totals, as (label, value, kind) rows in `tr`'s
    words; the kind (`text`, `count`, `rupiah`, `share`, `decimal`) says how a sheet shows it."""
    rows: list[tuple[str, Any, str]] = [
        (tr("Scenario"), plan.scenario_name, "text"),
        (tr("Status"), tr(STATUS_NAMES.get(plan.status.value, plan.status.value)), "text"),
        (tr("Objective"), tr(OBJECTIVE_NAMES.get(plan.objective_name, plan.objective_name)), "text"),
        (tr("Whole workers"), tr("yes") if plan.integer else tr("no"), "text"),
    ]
    count = "count" if plan.integer else "fraction"
    if scenario is not None:
        rows.append((tr("Months"), scenario.horizon_months, "count"))
        if scenario.fiscal_year is not None:
            rows.append((tr("Fiscal year"), str(scenario.fiscal_year), "text"))
            rows.append(
                (
                    tr("Months of the plan"),
                    f"{plan.months[0]} – {plan.months[-1]}" if plan.months else "",
                    "text",
                )
            )
        for package in scenario.packages:
            code = {"code": package.code}
            if package.monthly_premium_idr is not None:
                rows.append(
                    (
                        tr("Package %(code)s: monthly premium (Rp)") % code,
                        package.monthly_premium_idr,
                        "rupiah",
                    )
                )
            else:
                rows.append(
                    (
                        tr("Package %(code)s: declared income (Rp)") % code,
                        package.declared_income_idr,
                        "rupiah",
                    )
                )
            rows.append((tr("Package %(code)s: value") % code, package.value, "decimal"))
        rows += _rules_rows(plan, tr)
        budget = scenario.budget
        rows.append((tr("Share of dana desa"), budget.dana_desa_share, "share"))
        rows.append((tr("Share of ADD"), budget.add_share, "share"))
        if isinstance(budget.apbd_pool_idr, dict):
            for kabupaten, pool in budget.apbd_pool_idr.items():
                rows.append(
                    (tr("APBD pool of %(kabupaten)s (Rp)") % {"kabupaten": kabupaten}, pool, "rupiah")
                )
        else:
            rows.append((tr("APBD pool (Rp)"), budget.apbd_pool_idr, "rupiah"))
        for group, weight in scenario.group_weights.items():
            rows.append((tr("Weight of %(group)s") % {"group": group_name(group, tr)}, weight, "decimal"))
        rows.append((tr("Coverage floor per village"), scenario.targets.min_coverage, "share"))
        for group, share in scenario.targets.group_min_coverage.items():
            rows.append(
                (tr("Coverage floor of %(group)s") % {"group": group_name(group, tr)}, share, "share")
            )
        rows.append((tr("New enrolments, at least"), scenario.targets.min_new_enrollments, "count"))
    if plan.totals is not None:
        t = plan.totals
        rows += [
            (tr("New enrolments"), t.new_enrollments, count),
            *((f"{tr('New enrolments')}: {group_name(g, tr)}", n, count) for g, n in t.new_by_group.items()),
            *((f"{tr('New enrolments')}: {p}", n, count) for p, n in t.new_by_package.items()),
            *((column_label(c, tr), round(getattr(t, c)), "rupiah") for c in SPEND_COLUMNS),
            (tr("Coverage before"), t.coverage_before, "share"),
            (tr("Coverage after"), t.coverage_after, "share"),
        ]
    return [(label, plain_numbers(value), kind) for label, value, kind in rows]


def _parameters_sheet(
    plan: Plan, scenario: Scenario | None, about: list[tuple[str, Any]], tr: Translate, title: str
) -> Sheet:
    rows = [*((label, value, "text") for label, value in about), *parameter_rows(plan, scenario, tr)]
    return items_sheet(tr("Parameters"), rows, [tr("Item"), tr("Value")], title)


def targets_workbook_sheets(
    plan: Plan,
    tr: Translate = english,
    scenario: Scenario | None = None,
    about: list[tuple[str, Any]] | None = None,
    title: str = "",
) -> list[Sheet]:
    """The planner's targets workbook: targets per village, per kecamatan, the monthly
    contributions per village and package (with a scenario), and the parameters sheet."""
    total = tr("Total")
    targets = targets_frame(plan)
    before, after = _coverage(plan.villages)
    coverage_totals = {"coverage_before": before, "coverage_after": after}
    sheets = [
        Sheet(
            tr("Targets"),
            targets,
            headers=planner_headers(targets, plan, tr),
            totals_label=total,
            totals=coverage_totals,
            no_sum=tuple(MARGINAL_COLUMNS),
            title=title,
        )
    ]
    sheets.append(_village_office_sheet(plan, targets, tr, title))
    summary = kecamatan_summary(plan)
    sheets.append(
        Sheet(
            tr("Kecamatan"),
            summary,
            headers=planner_headers(summary, plan, tr),
            totals_label=total,
            totals=coverage_totals,
            title=title,
        )
    )
    if scenario is not None:
        contributions = contributions_frame(plan, scenario)
        sheets.append(
            Sheet(
                tr("Monthly contributions"),
                contributions,
                headers=planner_headers(contributions, plan, tr),
                kinds={"monthly_premium_idr": "rupiah"},
                totals_label=total,
                # month by month a village's workers repeat: their sum means nothing
                no_sum=("monthly_premium_idr", "new_workers")
                if "month" in contributions.columns
                else ("monthly_premium_idr",),
                title=title,
            )
        )
    sheets.append(_parameters_sheet(plan, scenario, about or [], tr, title))
    return sheets


def _village_office_sheet(plan: Plan, targets: pd.DataFrame, tr: Translate, title: str) -> Sheet:
    """The Target sheet a village office prints on A4: per kecamatan, each village's new workers
    per package, its money from each source and its coverage after; a dozen columns."""
    groups, packages = plan_groups_and_packages(plan)
    frame = targets[["kecamatan", "village_code", "village_name", "new_enrollments"]].copy()
    for package in packages:
        columns = [f"new_{g}_{package}" for g in groups]
        frame[f"new_{package}"] = targets[columns].sum(axis=1) if columns else 0
    for column in (*SPEND_COLUMNS, "coverage_after"):
        frame[column] = targets[column]
    frame = frame.sort_values(["kecamatan", "village_name"], kind="stable")
    names = {f"new_{p}": f"{tr('New workers')} {p}" for p in packages}
    _before, after = _coverage(plan.villages)
    return labelled_sheet(
        tr("For village offices"),
        frame,
        lambda c: names.get(c) or column_label(c, tr),
        total=tr("Total"),
        sums=["new_enrollments", *names, *SPEND_COLUMNS],
        totals={"coverage_after": after},
        title=title,
    )


def targets_workbook_bytes(
    plan: Plan,
    tr: Translate = english,
    scenario: Scenario | None = None,
    about: list[tuple[str, Any]] | None = None,
    title: str = "",
) -> bytes:
    return sheets_to_xlsx(targets_workbook_sheets(plan, tr, scenario, about, title))


def _part_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "part"


def split_targets_zip(
    plan: Plan,
    by: str,
    tr: Translate = english,
    scenario: Scenario | None = None,
    about: list[tuple[str, Any]] | None = None,
    stem: str = "targets",
) -> bytes:
    """One targets workbook per kabupaten or per kecamatan (`by`), zipped, ready to send to each
    office. A part's totals are its own villages'."""
    if by not in ("kabupaten", "kecamatan"):
        raise ValueError(f"targets split by 'kabupaten' or 'kecamatan', not {by!r}")
    parts: dict[str, list[Any]] = {}
    for village in plan.villages:
        parts.setdefault(getattr(village, by), []).append(village)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, villages in parts.items():
            part = plan.model_copy(update={"villages": villages, "totals": None})
            label = column_label(by, tr)
            rows = [*(about or []), (label, name)]
            content = targets_workbook_bytes(part, tr, scenario, rows, title=f"{label} {name}")
            archive.writestr(f"{stem}_{_part_name(name)}.xlsx", content)
    return buffer.getvalue()
