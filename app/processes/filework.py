"""What a bounded process runs (`app.processes.bounded`): reading a village table or actuals, writing the
files people download, the marginal values' tables. Plain data in, a table or bytes out; nothing
here touches the database.

The solves' forkserver imports this module before it forks anything (`app.jobs.run.solver_context`),
so a bounded process starts with pandas, openpyxl and the readers and writers already loaded."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

import scenarios
from app.i18n import DEFAULT_LANG, Lang, gettext_for, normalise_lang
from models import Actuals, Plan, Scenario, VillageTable
from scenarios import insights_io, insights_sheets
from scenarios.actuals_reader import PlanFrame, actuals_from_rows, read_actuals
from scenarios.compare import (
    PlanComparison,
    comparison_csv_bytes,
    comparison_csv_excel_id_bytes,
    comparison_workbook_bytes,
    comparison_xlsx_bytes,
)
from scenarios.labels import english
from scenarios.limits import ReadLimits
from scenarios.village_reader import read_uploaded_villages
from scenarios.village_writers import village_column_label


@dataclass(frozen=True)
class FileOrder:
    """One of a plan's files: `build(plan, *args)`, stored as `variant` under `name`. The same
    order builds it on a first download (`app.services.plans`) and in the plan's own solver
    process right after the solve (`app.processes.child.build_files`)."""

    variant: str
    name: str
    file_format: str
    build: Callable[..., bytes]
    args: tuple[Any, ...]


def read_file(content: bytes, filename: str, limits: ReadLimits | None) -> VillageTable:
    """The table, with its headers as uploaded (the dataset's download gives them back)."""
    return read_uploaded_villages(content, filename=filename, limits=limits)


def read_rows(rows: list[dict[str, Any]], limits: ReadLimits | None) -> VillageTable:
    return scenarios.villages_from_rows(rows, source="rows", limits=limits)


def read_actuals_file(content: bytes, frame: PlanFrame, filename: str, limits: ReadLimits) -> Actuals:
    return read_actuals(content, frame, filename=filename, limits=limits)


def read_actuals_rows(rows: list[dict[str, Any]], frame: PlanFrame) -> Actuals:
    return actuals_from_rows(rows, frame)


def villages_bytes(
    table: VillageTable, file_format: str, headers: dict[str, str] | None = None, lang: str | None = None
) -> bytes:
    """The table under the headers it was uploaded with (`headers`), or in a language (`lang`:
    the planner's workbook), else in the contract's codes."""
    if lang in ("id", "en"):
        tr = gettext_for(normalise_lang(lang) or "id")
        if file_format == "xlsx":
            return scenarios.villages_xlsx_bytes(table, tr=tr)
        labels = {c: village_column_label(c, tr) for c in scenarios.villages_frame(table).columns}
        return scenarios.villages_csv_bytes(table, labels)
    if file_format == "xlsx":
        if not headers:
            return scenarios.villages_xlsx_bytes(table)
        # the sheet's own words (its name, the totals) in the default language
        return scenarios.villages_xlsx_bytes(table, headers, gettext_for(DEFAULT_LANG))
    return scenarios.villages_csv_bytes(table, headers)


def targets_bytes(plan: Plan, file_format: str) -> bytes:
    """The contract's targets columns as CSV or XLSX."""
    if file_format == "xlsx":
        return scenarios.targets_xlsx_bytes(plan)
    return scenarios.targets_csv_bytes(plan)


def planner_targets_bytes(
    plan: Plan,
    lang: Lang,
    scenario: Scenario,
    about: list[tuple[str, Any]],
    title: str,
    stem: str,
    answered: str,
    csv_style: str,
    split: str | None,
) -> bytes:
    """The targets for people: headers in `lang`, a formatted workbook, the Indonesian-Excel CSV,
    or one workbook per kabupaten or kecamatan zipped."""
    tr = gettext_for(lang)
    if split is not None:
        return scenarios.split_targets_zip(plan, split, tr, scenario, about, stem=stem)
    if answered == "xlsx":
        return scenarios.targets_workbook_bytes(plan, tr, scenario, about, title)
    if csv_style == "excel-id":
        return scenarios.targets_csv_excel_id_bytes(plan, tr)
    return scenarios.targets_csv_bytes(plan)


def comparison_bytes(
    computed: PlanComparison, file_format: str, table: str, lang: Lang | None, csv_style: str
) -> bytes:
    tr = gettext_for(lang or "id")
    if file_format == "xlsx":
        return comparison_workbook_bytes(computed, tr) if lang else comparison_xlsx_bytes(computed)
    if csv_style == "excel-id":
        return comparison_csv_excel_id_bytes(computed, table, tr if lang else english)
    return comparison_csv_bytes(computed, table)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A table's rows as JSON-ready dicts: numpy scalars as Python's, NaN and infinity as None."""
    out = []
    for row in frame.to_dict(orient="records"):
        clean = {}
        for k, v in row.items():
            if hasattr(v, "item"):
                v = v.item()
            if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
                v = None
            clean[str(k)] = v
        out.append(clean)
    return out


def marginals_answer(
    plan: Plan, file_format: str, table: str, top: int, lang: str = "id"
) -> bytes | dict[str, Any]:
    """What one more Rp1 million buys: the workbook, one table as CSV, or every table as JSON."""
    frames = {
        "top": lambda: insights_io.top_villages(plan, top),
        "villages": lambda: insights_io.village_marginals(plan),
        "kecamatan": lambda: insights_io.kecamatan_marginals(plan),
        "pools": lambda: insights_io.pool_marginals(plan),
        # a multi-year plan's per year (empty tables for a one-year plan)
        "village_years": lambda: insights_io.village_year_marginals(plan),
        "pool_years": lambda: insights_io.pool_year_marginals(plan),
    }
    if file_format == "xlsx":
        return insights_sheets.marginals_xlsx_bytes(
            plan, top, gettext_for(normalise_lang(lang) or "id"), plan.scenario_name
        )
    if file_format == "csv":
        return insights_io.frame_csv_bytes(frames[table]())
    return {name: records(make()) for name, make in frames.items()} | {"marginals_from": plan.marginals_from}
