"""What a village office reads and writes: the plans its desa is in, its own targets, months, money
and years, the letter the district sends it, and the actuals it uploads for itself.

    require_own(who, code)        403 for a village that is not the village office's own
    plans_of_village(...)         the plans a village is in, newest first
    village_plan(...)             a plan cut down to one village (404 when it is not in it)
    money_rows(...)               monthly and annual money by source, year by year
    letter(...)                   the village's letter PDF from the plan's built letters, or None
    targets_file(...)             the village's targets as the planner's CSV or XLSX
    require_village_in_plan(...)  404 for a plan its villages are not in (before an upload)

A village office (role `operator`) is tied to its villages by their Kemendagri codes
(`User.village_codes`); nothing here ever reads another village's row into an answer.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.errors import Forbidden, NotFound
from app.i18n import N_, Lang
from app.processes import filework
from app.processes.bounded import building
from app.services import plans
from app.services.accounts import Principal
from documents.naming import letters_key
from models import Plan, Scenario
from models.tables import PlanFile, PlanRecord, PlanVillage, Role, ScenarioVersion

SOURCES = ("dana_desa", "add", "apbd_pool")
_SPEND = {"dana_desa": "spend_dana_desa_idr", "add": "spend_add_idr", "apbd_pool": "spend_apbd_idr"}


def require_own(who: Principal, code: str) -> None:
    """A village office reads and writes only its own villages; the district's roles (who read
    every plan anyway) may look at any village's page."""
    if who.role != Role.operator or code in who.village_codes:
        return
    raise Forbidden(
        N_("User '%(user)s' keeps the page of its own village; village %(code)s is not one of its villages."),
        user=who.name,
        code=code,
    )


def plans_of_village(session: Session, code: str) -> list[PlanRecord]:
    """Every plan the village has a row in, newest first."""
    ids = session.scalars(
        select(col(PlanVillage.plan_id)).where(col(PlanVillage.village_code) == code).distinct()
    ).all()
    if not ids:
        return []
    found = session.scalars(
        select(PlanRecord).where(col(PlanRecord.id).in_(ids)).order_by(col(PlanRecord.id).desc())
    ).all()
    return list(found)


def village_name(session: Session, code: str) -> str | None:
    """The village's name as its newest plan spells it (None: in no plan yet)."""
    row = session.scalars(
        select(PlanVillage)
        .where(col(PlanVillage.village_code) == code)
        .order_by(col(PlanVillage.plan_id).desc())
    ).first()
    return row.village_name if row is not None else None


def require_village_in_plan(session: Session, plan_id: int, codes: frozenset[str]) -> None:
    """404 for a plan none of `codes` is in: a village office does not learn of other plans."""
    plans.get_record(session, plan_id)
    found = session.scalars(
        select(col(PlanVillage.village_code))
        .where(col(PlanVillage.plan_id) == plan_id, col(PlanVillage.village_code).in_(sorted(codes)))
        .limit(1)
    ).first()
    if found is None:
        raise NotFound(N_("Plan %(plan)s has none of this account's villages."), plan=plan_id)


def village_plan(session: Session, plan_id: int, code: str) -> Plan:
    """The plan with only this village: its row, its years, its sources; none of the kabupaten's
    totals, pools or other villages."""
    require_village_in_plan(session, plan_id, frozenset({code}))
    plan = plans.load_plan(session, plan_id)
    return plan.model_copy(
        update={
            "villages": [v for v in plan.villages if v.village_code == code],
            "village_years": [y for y in plan.village_years if y.village_code == code],
            "source_enrollments": [s for s in plan.source_enrollments if s.village_code == code],
            "short_villages": [s for s in plan.short_villages if s.village_code == code],
            "totals": None,
            "pools": [],
            "pool_years": [],
            "explanations": [],
            "remedies": [],
            "group_reasons": [],
        }
    )


def scenario_of(session: Session, record: PlanRecord) -> Scenario:
    version = session.get(ScenarioVersion, record.scenario_version_id)
    assert version is not None
    return Scenario.model_validate(version.body)


@dataclass(frozen=True)
class MoneyRow:
    """One year (or the whole plan) of one village: months paid and each source's money."""

    label: str | None  # the fiscal year or the year's number; None for a one-year plan
    months: int
    annual: dict[str, float]  # source -> rupiah over the year
    monthly: dict[str, float]  # source -> rupiah a month (annual / months)
    new_enrollments: float
    funded: float | None


def _monthly(annual: dict[str, float], months: int) -> dict[str, float]:
    return {s: (annual[s] / months if months else 0.0) for s in SOURCES}


def money_rows(plan: Plan, scenario: Scenario, code: str) -> list[MoneyRow]:
    """Monthly and annual money by source: one row per year of a multi-year plan, one for a
    one-year plan (its months from the plan, else the scenario's horizon)."""
    village = next(v for v in plan.villages if v.village_code == code)
    if plan.years:
        months_of = {y.year: y.months for y in plan.years}
        rows = []
        for year in sorted((y for y in plan.village_years if y.village_code == code), key=lambda y: y.year):
            annual = {s: float(getattr(year, _SPEND[s])) for s in SOURCES}
            months = months_of.get(year.year, 12)
            rows.append(
                MoneyRow(
                    str(year.fiscal_year or year.year),
                    months,
                    annual,
                    _monthly(annual, months),
                    year.new_enrollments,
                    year.funded,
                )
            )
        return rows
    months = len(plan.months) or scenario.horizon_months
    annual = {s: float(getattr(village, _SPEND[s])) for s in SOURCES}
    return [MoneyRow(None, months, annual, _monthly(annual, months), village.new_enrollments, None)]


def target_rows(plan: Plan, code: str) -> list[tuple[str, str, float]]:
    """The village's new enrolments by group and package (groups and packages in the plan's order)."""
    village = next(v for v in plan.villages if v.village_code == code)
    rows = []
    for group in plan.groups or list(village.enrollments):
        for package in plan.packages or list(village.enrollments.get(group, {})):
            value = village.enrollments.get(group, {}).get(package, 0.0)
            if value > 1e-9:
                rows.append((group, package, value))
    return rows


def _letter_variants(session: Session, plan_id: int, lang: Lang, head_key: str) -> list[PlanFile]:
    """The plan's stored letter zips in `lang` with this letterhead: the whole plan's, or one per
    kabupaten as the letters job writes them."""
    prefix = f"letters-zip-{lang}-{head_key}"
    stored = session.scalars(
        select(PlanFile).where(col(PlanFile.plan_id) == plan_id, col(PlanFile.variant).startswith(prefix))
    ).all()
    return [f for f in stored if f.variant == prefix or f.variant.startswith(prefix + "-k")]


def letter(session: Session, plan_id: int, code: str, lang: Lang, head: Any) -> tuple[bytes, str] | None:
    """The village's own letter as the district built it (a PDF out of the plan's letters zip,
    named `3216012001-Sindang Mulya.pdf`), or None when the plan's letters are not built yet."""
    require_village_in_plan(session, plan_id, frozenset({code}))
    digits = code.replace(".", "")
    for stored in _letter_variants(session, plan_id, lang, letters_key(head)):
        with zipfile.ZipFile(io.BytesIO(stored.content)) as archive:
            for name in archive.namelist():
                base = name.rsplit("/", 1)[-1]
                if base.startswith(f"{digits}-") and base.endswith(".pdf"):
                    return archive.read(name), base
    return None


def targets_file(
    session: Session, plan_id: int, code: str, file_format: str, lang: Lang, time_limit_s: float = 0
) -> tuple[bytes, str]:
    """The village's targets: the planner's workbook (or CSV) in `lang`, holding only its row."""
    record = plans.get_record(session, plan_id)
    plans.refuse_without_targets(record)
    plan = village_plan(session, plan_id, code)
    about, title, scenario = plans._about(session, record, lang)
    stem = f"targets_plan-{plan_id}_{code.replace('.', '')}"
    name = f"{stem}.{file_format}"
    content = building(
        time_limit_s,
        name,
        filework.planner_targets_bytes,
        plan,
        lang,
        scenario,
        about,
        title,
        stem,
        file_format,
        "comma",
        None,
    )
    return content, name
