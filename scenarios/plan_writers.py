"""Writing a plan: plan.json, the targets table (CSV, XLSX) and a summary per kecamatan."""

from __future__ import annotations

import io
import math
import operator
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models import Plan, Scenario
from scenarios.files import atomic_write
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
from scenarios.rules import premium_ranges
from scenarios.safe_cells import neutralise_frame, neutralise_text
from scenarios.shared_frames import shared
from scenarios.xlsx import Sheet, frames_to_xlsx, items_sheet, labelled_sheet, sheets_to_xlsx

SPEND_COLUMNS = ["spend_dana_desa_idr", "spend_add_idr", "spend_apbd_idr", "spend_total_idr"]
# what Rp1 million more of the village's cap buys (objective points, new enrolments) and over how
# many more rupiah that rate holds; empty where not known (or, for the range, without end)
MARGINAL_COLUMNS = ["marginal_value_per_million", "marginal_enrollments_per_million", "marginal_range_idr"]
_DECIMALS = 6  # in the tables: enough for coverage shares and marginal values


def _plain_numbers(value: Any) -> Any:
    """Whole floats as integers (27, not 27.0); NaN and infinity (not JSON) as null. Other
    floats are kept exactly, so the plan reads back the same."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, dict):
        return {key: _plain_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_numbers(item) for item in value]
    return value


def plan_json(plan: Plan) -> str:
    """The plan as JSON, `status` and `objective` first (the Plan model declares them first).

    pydantic's own serializer: 20 times faster than dumping to dicts and through `json` for a
    national plan of 84,000 villages."""
    return plan.model_dump_json(indent=1) + "\n"


def write_plan_json(plan: Plan, path: str | Path) -> Path:
    return atomic_write(path, plan_json(plan).encode("utf-8"))


def plan_groups_and_packages(plan: Plan) -> tuple[list[str], list[str]]:
    """The plan's groups and packages; for a plan that does not list them, as first seen."""
    groups = list(plan.groups)
    packages = list(plan.packages)
    if not groups or not packages:
        for village in plan.villages:
            for group, by_package in village.enrollments.items():
                if group not in groups:
                    groups.append(group)
                for package in by_package:
                    if package not in packages:
                        packages.append(package)
    return groups, packages


def targets_columns(plan: Plan) -> list[str]:
    groups, packages = plan_groups_and_packages(plan)
    return [
        "village_code",
        "village_name",
        "kecamatan",
        "new_enrollments",
        "kabupaten",
        *(f"new_{g}_{p}" for g in groups for p in packages),
        *SPEND_COLUMNS,
        "coverage_before",
        "coverage_after",
        *MARGINAL_COLUMNS,
        *year_columns(plan),
    ]


YEAR_FIELDS = ("new_enrollments", "funded", "spend_dana_desa_idr", "spend_add_idr", "spend_apbd_idr")


def year_label(fiscal_year: int | None, year: int) -> str:
    """A year of a multi-year plan in column names: its fiscal year, else `year<t>`."""
    return str(fiscal_year) if fiscal_year is not None else f"year{year}"


def year_columns(plan: Plan) -> list[str]:
    """A multi-year plan's columns per year, after the one-year plan's: `new_enrollments_2026`,
    `funded_2026` (every worker it pays for that year), the spend per source that year; none for
    a one-year plan, whose files stay as they were."""
    return [f"{field}_{year_label(y.fiscal_year, y.year)}" for y in plan.years for field in YEAR_FIELDS]


def _counts(values: list[float], integer: bool) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    return np.rint(array).astype(np.int64) if integer else np.round(array, _DECIMALS)


_SCALAR_COLUMNS = [
    "village_code",
    "village_name",
    "kecamatan",
    "new_enrollments",
    "kabupaten",
    *SPEND_COLUMNS,
    "coverage_before",
    "coverage_after",
    *MARGINAL_COLUMNS,
]
_NOTHING: dict[str, float] = {}


def targets_frame(plan: Plan) -> pd.DataFrame:
    """One row per village: what to enrol, what it costs from each source, coverage before and
    after. Rupiah are whole; worker counts whole for a whole-number plan. Built once for all of
    a plan's files within `plan_files`."""
    return shared(plan, "targets", lambda: _targets_frame(plan))


def _targets_frame(plan: Plan) -> pd.DataFrame:
    groups, packages = plan_groups_and_packages(plan)
    villages = plan.villages
    # one pass over the villages for every plain field (attrgetter runs in C), one per group
    # for the enrolments
    rows = list(map(operator.attrgetter(*_SCALAR_COLUMNS), villages))
    scalar = dict(
        zip(_SCALAR_COLUMNS, zip(*rows, strict=True) if rows else [()] * len(_SCALAR_COLUMNS), strict=True)
    )
    data: dict[str, Any] = {
        "village_code": list(scalar["village_code"]),
        "village_name": list(scalar["village_name"]),
        "kecamatan": list(scalar["kecamatan"]),
        "new_enrollments": _counts(list(scalar["new_enrollments"]), plan.integer),
        "kabupaten": list(scalar["kabupaten"]),
    }
    for g in groups:
        by_group = [v.enrollments.get(g, _NOTHING) for v in villages]
        for p in packages:
            data[f"new_{g}_{p}"] = _counts([by.get(p, 0.0) for by in by_group], plan.integer)
    for column in SPEND_COLUMNS:
        data[column] = np.rint(np.asarray(scalar[column], dtype=float)).astype(np.int64)
    for column in ("coverage_before", "coverage_after", *MARGINAL_COLUMNS):
        # an empty cell (NaN) for a village with no workers, or a figure not known
        values = scalar[column]
        data[column] = np.round(
            np.asarray([np.nan if x is None else x for x in values], float),
            0 if column == "marginal_range_idr" else _DECIMALS,
        )
    if plan.years:
        _year_data(plan, data)
    return pd.DataFrame(data, columns=targets_columns(plan))


def _year_data(plan: Plan, data: dict[str, Any]) -> None:
    """Each village's row gets its figures of every year, from `plan.village_years`."""
    row = {v.village_code: i for i, v in enumerate(plan.villages)}
    for y in plan.years:
        label = year_label(y.fiscal_year, y.year)
        for field in YEAR_FIELDS:
            data[f"{field}_{label}"] = np.zeros(len(row))
    for vy in plan.village_years:
        i = row.get(vy.village_code)
        if i is None:
            continue
        label = year_label(vy.fiscal_year, vy.year)
        for field in YEAR_FIELDS:
            data[f"{field}_{label}"][i] = getattr(vy, field)
    for y in plan.years:
        label = year_label(y.fiscal_year, y.year)
        for field in YEAR_FIELDS:
            column = f"{field}_{label}"
            data[column] = (
                np.rint(data[column]).astype(np.int64)
                if field.startswith("spend")
                else _counts(list(data[column]), plan.integer)
            )


def kecamatan_summary(plan: Plan) -> pd.DataFrame:
    """Per kecamatan (within its kabupaten), in plan order: villages, new enrolments, spend by
    source, and coverage before and after over all its workers."""
    return shared(plan, "kecamatan", lambda: _kecamatan_summary(plan))


def _kecamatan_summary(plan: Plan) -> pd.DataFrame:
    columns = [
        "kabupaten",
        "kecamatan",
        "villages",
        "new_enrollments",
        *SPEND_COLUMNS,
        "workers_total",
        "coverage_before",
        "coverage_after",
    ]
    if not plan.villages:
        return pd.DataFrame(columns=columns)
    rows = pd.DataFrame(
        {
            "kabupaten": [v.kabupaten for v in plan.villages],
            "kecamatan": [v.kecamatan for v in plan.villages],
            "villages": 1,
            "new_enrollments": [v.new_enrollments for v in plan.villages],
            **{c: [getattr(v, c) for v in plan.villages] for c in SPEND_COLUMNS},
            "workers_total": [v.workers_total for v in plan.villages],
            # coverage x workers, summed, over workers: coverage weighted by workers
            "covered_before": [(v.coverage_before or 0.0) * v.workers_total for v in plan.villages],
            "covered_after": [(v.coverage_after or 0.0) * v.workers_total for v in plan.villages],
        }
    )
    summary = rows.groupby(["kabupaten", "kecamatan"], sort=False, as_index=False).sum()
    workers = summary["workers_total"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        summary["coverage_before"] = np.round(summary["covered_before"] / workers, _DECIMALS)
        summary["coverage_after"] = np.round(summary["covered_after"] / workers, _DECIMALS)
    summary["new_enrollments"] = _counts(summary["new_enrollments"].tolist(), plan.integer)
    for column in SPEND_COLUMNS:
        summary[column] = np.rint(summary[column].to_numpy(dtype=float)).astype(np.int64)
    return summary[columns]


def totals_frame(plan: Plan) -> pd.DataFrame:
    """The plan's totals as item, value rows (the `totals` sheet)."""
    rows: list[tuple[str, Any]] = [
        ("scenario", plan.scenario_name),
        ("status", str(plan.status)),
        ("objective", plan.objective_name),
        ("objective_value", plan.objective),
        ("message", plan.message),
    ]
    if plan.totals is not None:
        t = plan.totals
        rows += [
            ("villages", t.villages),
            ("villages_with_new_enrollments", t.villages_with_new_enrollments),
            ("new_enrollments", t.new_enrollments),
            *((f"new_{g}", n) for g, n in t.new_by_group.items()),
            *((f"new_{p}", n) for p, n in t.new_by_package.items()),
            *((c, round(getattr(t, c))) for c in SPEND_COLUMNS),
            ("workers_enrolled_before", t.workers_enrolled_before),
            ("workers_total", t.workers_total),
            ("coverage_before", t.coverage_before),
            ("coverage_after", t.coverage_after),
        ]
    for pool in plan.pools:
        label = pool.kabupaten or "table"
        rows += [
            (f"apbd_pool_idr ({label})", round(pool.pool_idr)),
            (f"apbd_pool_spent_idr ({label})", round(pool.spent_idr)),
        ]
        if pool.marginal_enrollments_per_billion is not None:
            rows += [
                (f"new_enrollments_per_extra_billion ({label})", pool.marginal_enrollments_per_billion),
                (f"objective_per_extra_billion ({label})", pool.marginal_value_per_billion),
                (f"rate_holds_for_idr ({label})", pool.marginal_range_idr),
                (f"new_enrollments_with_one_billion_more ({label})", pool.plus_billion_enrollments),
                (f"objective_with_one_billion_more ({label})", pool.plus_billion_objective),
                (f"objective_gain_with_one_billion_more ({label})", pool.plus_billion_gain),
            ]
    if plan.marginals_from:
        rows.append(("marginals_from", plan.marginals_from))
    rows += [(f"explanation {i + 1}", e.message) for i, e in enumerate(plan.explanations)]
    values = [_plain_numbers(value) for _, value in rows]
    return pd.DataFrame({"item": [item for item, _ in rows], "value": pd.Series(values, dtype=object)})


def targets_csv_bytes(plan: Plan, frame: pd.DataFrame | None = None) -> bytes:
    """targets.csv: UTF-8 without BOM, comma separated, header first. `frame`: the plan's
    `targets_frame`, when the caller has it already (it writes the XLSX from the same)."""
    frame = targets_frame(plan) if frame is None else frame
    safe = neutralise_frame(frame)  # no cell a spreadsheet would run
    return safe.to_csv(index=False, lineterminator="\n").encode("utf-8")


def targets_xlsx_bytes(plan: Plan, frame: pd.DataFrame | None = None) -> bytes:
    """A workbook with the sheets `targets`, `kecamatan` and `totals`."""
    return frames_to_xlsx(
        {
            "targets": targets_frame(plan) if frame is None else frame,
            "kecamatan": kecamatan_summary(plan),
            "totals": totals_frame(plan),
        }
    )


def write_targets_csv(plan: Plan, path: str | Path, frame: pd.DataFrame | None = None) -> Path:
    return atomic_write(path, targets_csv_bytes(plan, frame))


def write_targets_xlsx(plan: Plan, path: str | Path, frame: pd.DataFrame | None = None) -> Path:
    return atomic_write(path, targets_xlsx_bytes(plan, frame))


# --- the planner's files: headers in the planner's language, Indonesian Excel ---------------


def _coverage(villages: list[Any]) -> tuple[float | None, float | None]:
    """Coverage before and after over all workers of `villages` (weighted by workers)."""
    workers = sum(v.workers_total for v in villages)
    if not workers:
        return None, None
    before = sum(v.workers_enrolled_before for v in villages)
    after = before + sum(v.new_enrollments for v in villages)
    return before / workers, after / workers


def _headers(frame: pd.DataFrame, plan: Plan, tr: Translate) -> list[str]:
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
        count = round(e.workers) if plan.integer else round(e.workers, _DECIMALS)
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
            new_workers.append(round(workers) if plan.integer else round(workers, _DECIMALS))
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
    return [(label, _plain_numbers(value), kind) for label, value, kind in rows]


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
            headers=_headers(targets, plan, tr),
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
            headers=_headers(summary, plan, tr),
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
                headers=_headers(contributions, plan, tr),
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


def csv_for_indonesian_excel(frame: pd.DataFrame, headers: list[str] | None = None) -> bytes:
    """What Excel with Indonesian regional settings opens in columns: `;` between cells, a
    decimal comma, UTF-8 with a BOM."""
    shown = neutralise_frame(frame)  # text Excel would run gets its leading apostrophe
    if headers is not None:
        shown.columns = [neutralise_text(h) for h in headers]
    for position in range(shown.shape[1]):
        if shown.dtypes.iloc[position] == np.float64:
            shown.isetitem(position, _comma_decimals(shown.iloc[:, position].to_numpy()))
    text = shown.to_csv(index=False, sep=";", decimal=",", lineterminator="\r\n")
    return "\ufeff".encode() + text.encode("utf-8")


def _comma_decimals(numbers: np.ndarray) -> np.ndarray:
    """Floats as pandas writes them with `decimal=","` (`str(x)`, its first point a comma, NaN
    empty), a column at once rather than a call per cell."""
    text = np.array([t.replace(".", ",", 1) for t in map(str, numbers.tolist())], dtype=object)
    text[np.isnan(numbers)] = ""
    return text


def targets_csv_excel_id_bytes(plan: Plan, tr: Translate = english, labelled: bool = True) -> bytes:
    frame = targets_frame(plan)
    return csv_for_indonesian_excel(frame, _headers(frame, plan, tr) if labelled else None)
