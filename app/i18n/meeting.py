"""The plan page's answers to the meeting, in words: why each group got what it got, what one more
billion in an APBD pool buys in workers, and, for a plan that cannot be met, how the shortfall and
the pool add up. Every word through the catalogue, every number in the language's formats."""

from __future__ import annotations

from app.i18n import Speaker
from app.i18n.in_short import money_words
from app.i18n.reasons import reason
from models import Explanation, GroupReason, Method, Plan, PoolUse, Status


def _weight_words(reason: GroupReason, say: Speaker) -> str:
    _ = say.gettext
    if abs(reason.weight - 1.0) < 1e-9:
        return _("each of its workers counts as one")
    return _("each of its workers counts %(weight)s times as much as a worker of weight one") % {
        "weight": say.fmt.number(reason.weight, 2)
    }


def group_sentences(plan: Plan, say: Speaker) -> list[tuple[str, str]]:
    """Per group with uninsured workers: (the group's name, why it got what it got)."""
    fmt, _ = say.fmt, say.gettext
    reasons = [r for r in plan.group_reasons if r.uninsured]
    best = max(reasons, key=lambda r: r.value_per_million, default=None)
    out = []
    for r in reasons:
        parts = [
            _("%(new)s of its %(uninsured)s uninsured workers enrolled")
            % {"new": fmt.count(r.new_enrollments), "uninsured": fmt.number(r.uninsured)}
        ]
        if r.cheapest_cost_idr > 0:
            parts.append(
                _(
                    "one worker costs %(cost)s for the plan's months, so Rp1 million covers "
                    "%(workers)s workers"
                )
                % {
                    "cost": fmt.rupiah(r.cheapest_cost_idr),
                    "workers": fmt.number(1e6 / r.cheapest_cost_idr, 2),
                }
            )
        parts.append(_weight_words(r, say))
        if plan.objective_name == "max_protection" and best is not None and best.value_per_million > 0:
            if r.value_per_million >= best.value_per_million * (1 - 1e-9):
                parts.append(
                    _(
                        "that is the most protection per rupiah of any group, so its "
                        "workers are enrolled first"
                    )
                )
            else:
                parts.append(
                    _(
                        "that is %(share)s of the protection per rupiah of %(best)s, so its "
                        "workers are enrolled after theirs"
                    )
                    % {
                        "share": fmt.percent(r.value_per_million / best.value_per_million, 0),
                        "best": say.group(best.group),
                    }
                )
        if r.floor_share and r.villages_at_floor:
            parts.append(
                _("its own floor of %(share)s decides what it gets in %(count)s villages")
                % {"share": fmt.percent(r.floor_share, 0), "count": fmt.number(r.villages_at_floor)}
            )
        parts.append(
            _("every uninsured worker of it is enrolled in %(count)s of %(villages)s villages")
            % {"count": fmt.number(r.villages_all_enrolled), "villages": fmt.number(r.villages_with_workers)}
        )
        text = "; ".join(parts) + "."
        out.append((say.group(r.group), text[:1].upper() + text[1:]))
    return out


def pool_words(plan: Plan, pool: PoolUse, say: Speaker) -> str:
    """What one more Rp1 billion in `pool` buys, in workers (never in objective points)."""
    fmt, _ = say.fmt, say.gettext
    if plan.objective_name == "min_cost":
        return _("nothing more: the plan buys only what its floors and target ask")
    if pool.plus_billion_enrollments is not None:
        text = _("about %(workers)s more workers") % {
            "workers": fmt.number(round(pool.plus_billion_enrollments))
        }
    elif pool.marginal_enrollments_per_billion is not None:
        text = _("about %(workers)s more workers") % {
            "workers": fmt.number(round(pool.marginal_enrollments_per_billion))
        }
    elif plan.integer:
        return _("not computed for whole-worker plans")
    else:
        return _("not computed for this plan")
    if plan.marginals_from == "lp_relaxation" and pool.plus_billion_enrollments is None:
        text += " " + _("(estimated before rounding to whole workers)")
    return text


def shortfall_sentence(plan: Plan, explanation: Explanation, say: Speaker) -> str:
    """How the villages' own shortfall, the APBD pool and what is still missing add up."""
    _ = say.gettext
    gap = explanation.shortfall_idr
    if explanation.constraint != "coverage_floors" or not gap:
        return ""
    where = explanation.kabupaten  # None: the one pool of the whole table
    lack = sum(s.shortfall_idr for s in plan.short_villages if where is None or s.kabupaten == where)
    pool = lack - gap
    if lack <= 0:
        return ""
    if pool < 1.0:
        return _(
            "Together the villages lack %(lack)s to pay for their floors, and there is no APBD "
            "pool money to cover it: %(gap)s is missing."
        ) % {"lack": money_words(lack, say), "gap": money_words(gap, say)}
    return _(
        "Together the villages lack %(lack)s to pay for their floors; the APBD pool of %(pool)s "
        "covers part of it, so %(lack)s less %(pool)s leaves %(gap)s missing."
    ) % {"lack": money_words(lack, say), "pool": money_words(pool, say), "gap": money_words(gap, say)}


def technical_note(plan: Plan, say: Speaker) -> str:
    """How sure the plan is, in words, from its fields: the solver's own note (`message`, with its
    codes and its solver's names) stays the API's and the command line's."""
    fmt, _ = say.fmt, say.gettext
    parts = []
    gap = plan.gap_to_lp_bound
    if plan.status == Status.error:
        return reason(plan.message, say) if plan.message else ""
    if plan.status == Status.time_limit:
        if gap is not None:
            parts.append(
                _(
                    "Stopped at the time limit: this plan meets every constraint and is within "
                    "%(gap)s of the best plan possible, but is not proven the best."
                )
                % {"gap": fmt.percent(gap, 4)}
            )
        else:
            parts.append(
                _("Stopped at the time limit: this plan meets every constraint, but is not proven the best.")
            )
        if plan.unsolved_blocks and plan.blocks > 1:
            parts.append(
                _(
                    "%(unsolved)s of the table's %(blocks)s independent parts were cut short by the "
                    "time limit."
                )
                % {"unsolved": fmt.number(plan.unsolved_blocks), "blocks": fmt.number(plan.blocks)}
            )
    elif plan.status == Status.optimal and plan.method in (Method.lp_rounded, Method.mip):
        parts.append(_("Whole workers: proven the best plan in whole workers."))
        if gap is not None and gap > 1e-9:
            parts.append(
                _("It is within %(gap)s of the best plan with fractions of workers.")
                % {"gap": fmt.percent(gap, 4)}
            )
    elif plan.status == Status.optimal:
        parts.append(_("A continuous plan: the best plan for the money, with fractions of workers."))
    if not plan.preferred and plan.status != Status.error:
        parts.append(
            _(
                "The time limit came before every tie between equally good plans was settled by the "
                "order of preference."
            )
        )
    return " ".join(parts)
