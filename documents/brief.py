"""The brief for the meeting: a plan (or a comparison of plans) on one or two A4 pages, in the
page's language: the plan in short, totals by group, package, source and kecamatan, coverage before
and after, a chart, what one more billion buys, the remedies of an infeasible plan, the rules used,
the promises kept or broken, and the map where the district's boundaries are known.

The sentences that need the service's catalogue (the in-short sentence, the remedies, the
promises) come in already worded; the figures come from the plan.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from documents import charts, words
from documents.engine import compile_pdf
from documents.fingerprint import plan_fingerprint
from documents.letter_data import PlanRef
from documents.texts import fill, group_name, texts
from documents.words import Lang
from models import Plan

KECAMATAN_ROWS = 14  # the kecamatan with most new enrolments; the rest in one row


@dataclass(frozen=True)
class PlanBrief:
    plan: Plan
    ref: PlanRef
    scenario_name: str
    in_short: str
    lang: Lang = "id"
    remedies: list[str] = field(default_factory=list)
    explanations: list[str] = field(default_factory=list)
    map_svg: str | None = None


@dataclass(frozen=True)
class Promise:
    plan: str
    rule: str
    kept: bool
    detail: str


@dataclass(frozen=True)
class ComparisonBrief:
    title: str
    baseline: tuple[str, Plan]
    plans: list[tuple[str, Plan]]
    in_short: str
    lang: Lang = "id"
    promises: list[Promise] = field(default_factory=list)
    map_svg: str | None = None


def _share(value: float | None, lang: Lang) -> str:
    return "–" if value is None else words.number(value * 100, lang, 1) + "%"


def _kecamatan(plan: Plan) -> list[dict[str, Any]]:
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0, 0.0])
    for v in plan.villages:
        row = sums[v.kecamatan]
        row[0] += 1
        row[1] += v.new_enrollments
        row[2] += v.spend_total_idr
        row[3] += v.workers_enrolled_before
        row[4] += v.workers_total
    return [
        {
            "kecamatan": name,
            "villages": int(r[0]),
            "new": r[1],
            "spend": r[2],
            "before": r[3] / r[4] if r[4] else None,
            "after": (r[3] + r[1]) / r[4] if r[4] else None,
        }
        for name, r in sums.items()
    ]


def _plan_data(brief: PlanBrief) -> dict[str, Any]:
    plan, lang = brief.plan, brief.lang
    say, b = texts(lang), texts(lang)["brief"]
    t = plan.totals
    data: dict[str, Any] = {
        "kind": "plan",
        "lang": lang,
        "t": b,
        "title": b["title"],
        "subtitle": f"{b['plan']} {brief.ref.ref}"
        + (f", {b['solved']} {words.date(brief.ref.date, lang)}" if brief.ref.date else ""),
        "scenario": brief.scenario_name,
        "status": plan.status.value,
        "in_short": brief.in_short,
        "fingerprint": plan_fingerprint(plan),
        "remedies": brief.remedies,
        "explanations": brief.explanations,
        "map": brief.map_svg or "",
        "chart": "",
    }
    if t is not None:
        data["key"] = [
            (b["new"], words.count(t.new_enrollments, lang)),
            (
                b["villages_with_new"],
                f"{words.number(t.villages_with_new_enrollments, lang)} / {words.number(t.villages, lang)}",
            ),
            (b["coverage_before"], _share(t.coverage_before, lang)),
            (b["coverage_after"], _share(t.coverage_after, lang)),
            (b["spend_total"], words.rupiah(t.spend_total_idr, lang)),
        ]
        data["groups"] = [
            (group_name(g, lang), words.count(n, lang)) for g, n in t.new_by_group.items() if n > 1e-9
        ]
        data["packages"] = [(p, words.count(n, lang)) for p, n in t.new_by_package.items() if n > 1e-9]
        data["sources"] = [
            (say["sources"]["dana_desa"], words.rupiah(t.spend_dana_desa_idr, lang)),
            (say["sources"]["add"], words.rupiah(t.spend_add_idr, lang)),
            (say["sources"]["apbd_pool"], words.rupiah(t.spend_apbd_idr, lang)),
        ]
        rows = sorted(_kecamatan(plan), key=lambda r: (-r["new"], r["kecamatan"]))
        shown, rest = rows[:KECAMATAN_ROWS], rows[KECAMATAN_ROWS:]
        table = [
            (
                r["kecamatan"],
                words.number(r["villages"], lang),
                words.count(r["new"], lang),
                words.rupiah(r["spend"], lang),
                _share(r["before"], lang),
                _share(r["after"], lang),
            )
            for r in shown
        ]
        if rest:
            villages = sum(r["villages"] for r in rest)
            table.append(
                (
                    f"{words.number(len(rest), lang)} {b['others']}",
                    words.number(villages, lang),
                    words.count(sum(r["new"] for r in rest), lang),
                    words.rupiah(sum(r["spend"] for r in rest), lang),
                    "",
                    "",
                )
            )
        data["kecamatan"] = table
        chart_rows = [
            (r["kecamatan"], r["before"], r["after"])
            for r in shown
            if r["before"] is not None and r["after"] is not None
        ]
        if chart_rows:
            data["chart"] = charts.coverage_chart(chart_rows, b["chart_before"], b["chart_after"])
    priced = [p for p in plan.pools if p.plus_billion_enrollments is not None]
    data["billion"] = [
        fill(
            b["billion_pool"],
            {
                "kabupaten": p.kabupaten or "",
                "more": words.count(round(p.plus_billion_enrollments or 0), lang),
            },
        )
        for p in sorted(priced, key=lambda p: -(p.plus_billion_enrollments or 0))[:5]
    ]
    if plan.rules is not None:
        cited = {c.split(": ", 1)[1] if ": " in c else c for c in plan.rules.citations.values()}
        data["rules"] = [f"{plan.rules.name} {plan.rules.version}", *sorted(cited)]
    else:
        data["rules"] = [b["rules_none"]]
    return data


def plan_brief_pdf(brief: PlanBrief) -> bytes:
    """The plan's brief as PDF bytes (A4, one or two pages)."""
    return compile_pdf("brief.typ", {"brief": _plan_data(brief)}, stamp=brief.ref.date)


def _comparison_data(brief: ComparisonBrief) -> dict[str, Any]:
    lang = brief.lang
    b = texts(lang)["brief"]
    rows, labels, new, spend = [], [], [], []
    for i, (label, plan) in enumerate([brief.baseline, *brief.plans]):
        t = plan.totals
        name = f"{label} ({b['baseline']})" if i == 0 else label
        if t is None:
            rows.append((name, plan.status.value, "–", "–", "–", "–"))
            continue
        rows.append(
            (
                name,
                plan.status.value,
                words.count(t.new_enrollments, lang),
                words.rupiah(t.spend_total_idr, lang),
                _share(t.coverage_before, lang),
                _share(t.coverage_after, lang),
            )
        )
        labels.append(label)
        new.append(t.new_enrollments)
        spend.append(t.spend_total_idr / 1e9)
    chart = (
        charts.plans_chart(
            labels,
            new,
            spend,
            b["new"],
            f"{b['spend']} (Rp miliar)" if lang == "id" else f"{b['spend']} (Rp billion)",
        )
        if labels
        else ""
    )
    return {
        "kind": "comparison",
        "lang": lang,
        "t": b,
        "title": b["comparison_title"],
        "subtitle": brief.title,
        "in_short": brief.in_short,
        "plans": rows,
        "chart": chart,
        "promises": [
            {"plan": p.plan, "rule": p.rule, "kept": p.kept, "detail": p.detail} for p in brief.promises
        ],
        "map": brief.map_svg or "",
    }


def comparison_brief_pdf(brief: ComparisonBrief) -> bytes:
    """The comparison's brief as PDF bytes (A4, one or two pages)."""
    return compile_pdf("brief.typ", {"brief": _comparison_data(brief)})
