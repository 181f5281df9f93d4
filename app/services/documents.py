"""The documents a district hands out, served: every village's letter of a plan (zip, or one PDF
for printing) and the meeting's brief of a plan or a comparison.

The pure builders live in `documents/`; here the plan, its scenario, its number and date come from
the database, the letterhead from the settings (DESAPLAN_LETTERHEAD_FILE), and the in-short
sentence from `app.i18n.in_short`. A plan never changes, so its letters are built once per language and
letterhead and served from the plan's stored files after that.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import select
from sqlmodel import Session, col

from app.errors import Conflict, NotFound
from app.i18n import N_, Lang, Speaker, speaker
from app.processes.bounded import building
from app.services import boundaries, plans
from documents.naming import kabupaten_variant, letters_key, letters_name, letters_variant
from models import AcceptanceRule, InputError, Plan, Scenario
from models.tables import PlanFile, PlanRecord, PlanVillage, ScenarioRecord, ScenarioVersion

if TYPE_CHECKING:
    from documents import LetterBook, Letterhead
    from maps import Boundaries

LetterFormat = Literal["zip", "pdf"]


def letterhead(path: str | None) -> Letterhead:
    """The district's letterhead from its file; without one, the defaults (names by kabupaten)."""
    from documents import Letterhead, read_letterhead

    return read_letterhead(Path(path)) if path else Letterhead()


def plan_ref(session: Session, record: PlanRecord) -> tuple[str, dt.date]:
    """How the letters cite a plan: `12 (bekasi-2026 v3)`, and the day it was solved."""
    scenario = session.get(ScenarioRecord, record.scenario_id)
    version = session.get(ScenarioVersion, record.scenario_version_id)
    assert scenario is not None and version is not None
    return f"{record.id} ({scenario.slug} v{version.version})", record.created_at.date()


def plan_scenario(session: Session, record: PlanRecord) -> Scenario:
    version = session.get(ScenarioVersion, record.scenario_version_id)
    assert version is not None
    return Scenario.model_validate(version.body)


def book_for(session: Session, plan_id: int, lang: Lang, head: Letterhead) -> LetterBook:
    """Every village's letter of the plan as data, or 409 for a plan without targets."""
    from documents import PlanRef, letter_book

    record = plans.get_record(session, plan_id)
    plans.refuse_without_targets(record)
    ref, day = plan_ref(session, record)
    return letter_book(plans.load_plan(session, plan_id), head, PlanRef(ref, day), lang)


def letters_bytes(book: LetterBook, file_format: LetterFormat) -> bytes:
    from documents import letters_zip, merged_pdf

    buffer = io.BytesIO()
    if file_format == "zip":
        letters_zip(book, buffer)
    else:
        merged_pdf(book, buffer)
    return buffer.getvalue()


def kabupaten_letters(
    session: Session, plan_id: int, kabupaten: str, lang: Lang, head: Letterhead
) -> tuple[bytes, str]:
    """One kabupaten's letters as its letters job stored them (404 before the job has)."""
    record = plans.get_record(session, plan_id)
    plans.refuse_without_targets(record)
    names = sorted(
        {
            k or head.kabupaten
            for k in session.scalars(
                select(col(PlanVillage.kabupaten)).where(col(PlanVillage.plan_id) == plan_id).distinct()
            )
        }
    )
    if kabupaten not in names:
        raise NotFound(
            N_("Plan %(plan)s has no villages of kabupaten '%(kabupaten)s'."),
            plan=plan_id,
            kabupaten=kabupaten,
        )
    stored = session.get(
        PlanFile, (plan_id, kabupaten_variant(lang, letters_key(head), names.index(kabupaten) + 1))
    )
    if stored is None:
        raise NotFound(
            N_(
                "The letters of kabupaten '%(kabupaten)s' in plan %(plan)s are not written yet: "
                "POST /plans/%(plan)s/letters/job writes them."
            ),
            plan=plan_id,
            kabupaten=kabupaten,
        )
    return stored.content, stored.file_name


def plan_letters(
    session: Session,
    plan_id: int,
    file_format: LetterFormat,
    lang: Lang,
    head: Letterhead,
    time_limit_s: float = 0,
    max_villages: int = 0,
) -> tuple[bytes, str]:
    """The plan's letters: a zip of one PDF per village (by kecamatan) or every letter in one PDF.
    Built on the first download and stored with the plan; a plan of `max_villages` or more (0: no
    bound) is refused (409): its letters job writes them, one zip per kabupaten."""
    record = plans.get_record(session, plan_id)
    plans.refuse_without_targets(record)
    variant = letters_variant(file_format, lang, head)
    name = letters_name(plan_id, file_format, lang)
    stored = session.get(PlanFile, (plan_id, variant))
    if stored is not None:
        return stored.content, stored.file_name
    if max_villages and record.village_count >= max_villages:
        raise Conflict(
            N_(
                "Plan %(plan)s has %(villages)s villages, too many letters to write in a request: "
                "POST /plans/%(plan)s/letters/job writes them, one zip per kabupaten "
                "(GET /plans/%(plan)s/letters?kabupaten=...)."
            ),
            plan=plan_id,
            villages=record.village_count,
        )

    def build() -> tuple[bytes, str, str]:
        try:
            book = book_for(session, plan_id, lang, head)
        except InputError as exc:
            raise Conflict(exc.describe()) from exc
        return building(time_limit_s, name, letters_bytes, book, file_format), name, file_format

    content, file_name, _ = plans.stored_file(session, plan_id, variant, build)
    return content, file_name


def _rule_words(rule: AcceptanceRule, say: Speaker) -> str:
    from scenarios.labels import RULE_NAMES

    text = say.gettext(RULE_NAMES.get(rule.kind.value, rule.kind.value))
    if rule.value is None or "%(value)s" not in text:
        return text
    value = (
        say.fmt.percent(rule.value)
        if rule.kind.value == "min_village_coverage"
        else say.fmt.rupiah(rule.value)
    )
    return text % {"value": value}


def brief_for_plan(
    plan: Plan,
    scenario: Scenario | None,
    lang: Lang,
    ref: str,
    day: dt.date | None,
    scenario_name: str,
    map_svg: str | None = None,
) -> bytes:
    """A plan's brief: the in-short sentence and the remedies worded here, the rest from the plan."""
    from app.i18n.in_short import plan_in_short
    from app.i18n.summary import remedy_texts
    from documents import PlanRef
    from documents.brief import PlanBrief, plan_brief_pdf

    say = speaker(lang)
    sentence = plan_in_short(plan, scenario, lang) if scenario is not None else ""
    return plan_brief_pdf(
        PlanBrief(
            plan=plan,
            ref=PlanRef(ref, day),
            scenario_name=scenario_name,
            in_short=sentence,
            lang=lang,
            remedies=remedy_texts(plan.remedies, say),
            map_svg=map_svg,
        )
    )


def brief_for_plan_files(
    plan: Plan,
    scenario: Scenario | None,
    lang: Lang,
    ref: str,
    day: dt.date,
    kabupaten: str = "",
    boundaries: Path | None = None,
) -> bytes:
    """`desaplan brief`: the brief of a plan read from plan.json (or solved), mapped where the
    district's boundaries are given."""
    map_svg = None
    if boundaries is not None:
        from maps import read_boundaries

        shapes = read_boundaries(
            boundaries.read_bytes(), boundaries.name, {v.village_code for v in plan.villages}
        )
        map_svg = _map(shapes, plan, lang)
    name = scenario.name if scenario is not None else plan.scenario_name
    return brief_for_plan(plan, scenario, lang, ref, day, name, map_svg)


def plan_brief(session: Session, plan_id: int, lang: Lang) -> tuple[bytes, str]:
    """The plan's brief for the meeting (with the map where the dataset has boundaries)."""
    record = plans.get_record(session, plan_id)
    plans.refuse_unchecked(record, "brief")
    plan = plans.load_plan(session, plan_id)
    scenario = plan_scenario(session, record)
    ref, day = plan_ref(session, record)
    return (
        brief_for_plan(
            plan,
            scenario,
            lang,
            ref,
            day,
            scenario.name,
            plan_map_svg(session, record.dataset_id, plan, lang),
        ),
        f"ringkasan_plan{plan_id}_{lang}.pdf",
    )


def plan_map_svg(session: Session, dataset_id: int, plan: Plan, lang: Lang) -> str | None:
    """The plan's coverage drawn on the dataset's boundaries, or None without boundaries."""
    shapes = boundaries.stored_shapes(session, dataset_id)
    if shapes is None:
        return None
    return _map(shapes, plan, lang)


def _map(shapes: Boundaries, plan: Plan, lang: Lang) -> str:
    from documents.texts import texts
    from maps import coverage_map_svg

    words = texts(lang)["brief"]
    return coverage_map_svg(shapes, plan, words["map_coverage"], words["map_shortfall"])


def comparison_brief(session: Session, comparison_id: int, lang: Lang) -> tuple[bytes, str]:
    """A comparison's brief: each plan against the baseline, a chart, the promises kept or broken."""
    from app.i18n.in_short import comparison_in_short
    from app.services import comparisons
    from documents.brief import ComparisonBrief, Promise, comparison_brief_pdf

    say = speaker(lang)
    comparison = comparisons.get(session, comparison_id)

    computed = comparisons.compute(session, comparison, lang=lang)
    names = iter([computed.baseline, *computed.labels])

    def labelled(plan_id: int) -> tuple[str, Plan]:
        record = plans.get_record(session, plan_id)
        plans.refuse_unchecked(record, "brief")
        return next(names), plans.load_plan(session, plan_id)

    baseline = labelled(comparison.baseline_plan_id)
    others = [labelled(plan_id) for plan_id in comparison.plan_ids]
    sentence = comparison_in_short(computed, lang)
    answered = comparisons.checks(session, comparison, comparisons.stored_rules(comparison), lang)
    promises = [
        Promise(plan=r.plan, rule=_rule_words(r.rule, say), kept=r.passed, detail=r.detail)
        for r in answered.checks
    ]
    record = plans.get_record(session, comparison.baseline_plan_id)
    title = f"{say.gettext('Comparison')} {comparison.id}"
    pdf = comparison_brief_pdf(
        ComparisonBrief(
            title=title,
            baseline=baseline,
            plans=others,
            in_short=sentence,
            lang=lang,
            promises=promises,
            map_svg=plan_map_svg(session, record.dataset_id, others[0][1] if others else baseline[1], lang),
        )
    )
    return pdf, f"ringkasan_perbandingan{comparison_id}_{lang}.pdf"


MAP_TITLES = {
    "coverage_after": N_("Coverage after the plan"),
    "new_enrollments": N_("New enrolments of the plan"),
    "shortfall_idr": N_("Shortfall of the villages' own money (Rp)"),
    "change": N_("New enrolments against the baseline"),
}


def plan_map_figure(session: Session, plan_id: int, measure: str, lang: Lang) -> dict[str, Any]:
    """The plan's choropleth for the pages (plotly data and layout); 404 without boundaries."""
    from maps import plotly_figure

    record = plans.get_record(session, plan_id)
    shapes = boundaries.stored_shapes(session, record.dataset_id)
    if shapes is None:
        raise NotFound(
            N_(
                "Dataset %(dataset)s has no boundaries: upload them with "
                "PUT /datasets/%(dataset)s/boundaries."
            ),
            dataset=record.dataset_id,
        )
    title = speaker(lang).gettext(MAP_TITLES[measure])
    return plotly_figure(shapes, plans.load_plan(session, plan_id), measure, title)  # type: ignore[arg-type]


def plan_maps(session: Session, plan_id: int, lang: Lang) -> list[dict[str, Any]]:
    """The plan page's maps (coverage after and new enrolments; the shortfall of an infeasible
    plan), or none where its village table has no boundaries."""
    from maps import plotly_figure

    record = plans.get_record(session, plan_id)
    shapes = boundaries.stored_shapes(session, record.dataset_id)
    if shapes is None:
        return []
    plan = plans.load_plan(session, plan_id)
    say = speaker(lang)
    measures = ["coverage_after", "new_enrollments"] if plan.villages else ["shortfall_idr"]
    return [plotly_figure(shapes, plan, m, say.gettext(MAP_TITLES[m])) for m in measures]  # type: ignore[arg-type]


def comparison_maps(session: Session, comparison_id: int, lang: Lang) -> list[dict[str, Any]]:
    """The comparison page's maps: each compared plan's change in new enrolments against the
    baseline, where the baseline's village table has boundaries."""
    from app.services import comparisons
    from maps import plotly_figure

    comparison = comparisons.get(session, comparison_id)
    base_record = plans.get_record(session, comparison.baseline_plan_id)
    shapes = boundaries.stored_shapes(session, base_record.dataset_id)
    if shapes is None:
        return []
    say = speaker(lang)
    base = {
        v.village_code: v.new_enrollments
        for v in plans.load_plan(session, comparison.baseline_plan_id).villages
    }
    figures = []
    for plan_id in comparison.plan_ids:
        plan = plans.load_plan(session, plan_id)
        changes = {v.village_code: v.new_enrollments - base.get(v.village_code, 0.0) for v in plan.villages}
        title = f"{say.gettext(MAP_TITLES['change'])}: {say.gettext('Plan')} {plan_id}"
        figures.append(plotly_figure(shapes, plan, "change", title, changes))
    return figures
