"""Writing a plan: plan.json, the targets table (CSV, XLSX) and a summary per kecamatan."""

from __future__ import annotations

import math
import operator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models import Plan
from scenarios.files import atomic_write
from scenarios.safe_cells import neutralise_frame
from scenarios.shared_frames import shared
from scenarios.xlsx import frames_to_xlsx

SPEND_COLUMNS = ["spend_dana_desa_idr", "spend_add_idr", "spend_apbd_idr", "spend_total_idr"]
# what Rp1 million more of the village's cap buys (objective points, new enrolments) and over how
# many more rupiah that rate holds; empty where not known (or, for the range, without end)
MARGINAL_COLUMNS = ["marginal_value_per_million", "marginal_enrollments_per_million", "marginal_range_idr"]
DECIMALS = 6  # in the tables: enough for coverage shares and marginal values


def plain_numbers(value: Any) -> Any:
    """Whole floats as integers (27, not 27.0); NaN and infinity (not JSON) as null. Other
    floats are kept exactly, so the plan reads back the same."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, dict):
        return {key: plain_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain_numbers(item) for item in value]
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
    return np.rint(array).astype(np.int64) if integer else np.round(array, DECIMALS)


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
            0 if column == "marginal_range_idr" else DECIMALS,
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
        summary["coverage_before"] = np.round(summary["covered_before"] / workers, DECIMALS)
        summary["coverage_after"] = np.round(summary["covered_after"] / workers, DECIMALS)
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
    values = [plain_numbers(value) for _, value in rows]
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
