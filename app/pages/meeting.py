"""The plan page's answers for the village meeting and its charts: new workers and coverage per
kecamatan, why each group got what it got, what one more billion buys, where one more million does
most (villages and kecamatan, as tables and bars), how a shortfall adds up."""

from __future__ import annotations

import json
import math
from typing import Any

from app.i18n import Speaker
from app.i18n.meeting import group_sentences, pool_words, shortfall_sentence, technical_note
from models import Plan
from scenarios import insights_io

TOP_MARGINALS = 10  # villages and kecamatan where one more million does most, on the plan page


def kecamatan_chart(kecamatan: list[dict[str, Any]]) -> dict[str, Any]:
    def clean(value: Any) -> Any:
        return None if isinstance(value, float) and math.isnan(value) else value

    return {
        "kecamatan": [row["kecamatan"] for row in kecamatan],
        "new_enrollments": [clean(row["new_enrollments"]) for row in kecamatan],
        "coverage_before": [clean(row["coverage_before"]) for row in kecamatan],
        "coverage_after": [clean(row["coverage_after"]) for row in kecamatan],
    }


def meeting_answers(plan: Plan, say: Speaker) -> dict[str, Any]:
    """The meeting's questions answered on the plan page: why each group got what it got, what
    one more billion buys in workers, where one more million does most, how a shortfall adds up."""
    helps = bool(plan.totals) and plan.marginals_from is not None and plan.objective_name != "min_cost"
    villages = (
        [
            {str(k): v for k, v in row.items()}
            for row in insights_io.top_villages(plan, TOP_MARGINALS).to_dict(orient="records")
        ]
        if helps
        else []
    )
    kecamatan = top_kecamatan_marginals(plan) if helps else []
    return {
        "group_sentences": group_sentences(plan, say) if plan.totals else [],
        "pool_words": [pool_words(plan, pool, say) for pool in plan.pools],
        "shortfall_sentences": [shortfall_sentence(plan, e, say) for e in plan.explanations],
        "marginals_from": plan.marginals_from,
        "technical_note": technical_note(plan, say),
        "top_villages": villages,
        "top_kecamatan_marginals": kecamatan,
        "marginal_chart": json.dumps(marginal_chart(villages, kecamatan)),
    }


def marginal_chart(villages: list[dict[str, Any]], kecamatan: list[dict[str, Any]]) -> dict[str, Any]:
    """The bars of where one more million does most: the same figures as the two tables."""

    def number(value: Any) -> float:
        return 0.0 if value is None or value != value else float(value)

    return {
        "villages": [f"{v['village_name']} ({v['kecamatan']})" for v in villages],
        "village_workers": [number(v["marginal_enrollments_per_million"]) for v in villages],
        "kecamatan": [k["kecamatan"] for k in kecamatan],
        "kecamatan_workers": [number(k["enrollments_of_a_million_each"]) for k in kecamatan],
    }


def top_kecamatan_marginals(plan: Plan) -> list[dict[str, Any]]:
    """The kecamatan where Rp1 million more in each village buys most workers together."""
    frame = insights_io.kecamatan_marginals(plan)
    frame = frame[frame["villages_where_money_helps"] > 0]
    frame = frame.sort_values(
        ["enrollments_of_a_million_each", "kabupaten", "kecamatan"],
        ascending=[False, True, True],
        kind="stable",
    )
    rows = frame.head(TOP_MARGINALS).to_dict(orient="records")
    return [{str(k): v for k, v in row.items()} for row in rows]
