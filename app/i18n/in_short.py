"""A plan or a comparison in short: one paragraph a planner can read out in a meeting, in Bahasa
Indonesia or English, every word through the catalogue and every number in the language's formats.

    >>> plan_in_short(plan, scenario, "id")
    '3% dana desa dan Rp150 juta dari APBD mendaftarkan 43.134 pekerja di 187 desa, ...'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.i18n import Lang, Speaker, speaker
from models import Plan, Scenario, Status

if TYPE_CHECKING:
    from scenarios.compare import PlanComparison


def money_words(amount: float, say: Speaker) -> str:
    """Rupiah as a planner says them: `Rp1,5 miliar`, `Rp250 juta`, `Rp16.800`."""
    fmt, _ = say.fmt, say.gettext
    for size, words in (
        (1e12, _("Rp%(amount)s trillion")),
        (1e9, _("Rp%(amount)s billion")),
        (1e6, _("Rp%(amount)s million")),
    ):
        if abs(amount) >= size:
            return words % {"amount": fmt.number(amount / size, 2)}
    return fmt.rupiah(amount)


def share_words(share: float, say: Speaker) -> str:
    """A share as few digits as it needs: `3%`, `2,5%`, `12,05%`."""
    for decimals in (0, 1, 2):
        if abs(share * 100 * 10**decimals - round(share * 100 * 10**decimals)) < 1e-6:
            return say.fmt.percent(share, decimals)
    return say.fmt.percent(share, 2)


def _and(items: list[str], say: Speaker) -> str:
    if len(items) <= 1:
        return "".join(items)
    return say.gettext("%(first)s and %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


def money_in_scenario(plan: Plan, scenario: Scenario, say: Speaker) -> str:
    """Where the scenario's money comes from: `3% of dana desa and Rp1.5 billion from the APBD`."""
    _ = say.gettext
    budget = scenario.budget
    parts = []
    if budget.dana_desa_share > 0:
        parts.append(_("%(share)s of dana desa") % {"share": share_words(budget.dana_desa_share, say)})
    if budget.add_share > 0:
        parts.append(_("%(share)s of ADD") % {"share": share_words(budget.add_share, say)})
    pools = sum(p.pool_idr for p in plan.pools)
    if pools > 0:
        parts.append(_("%(amount)s from the APBD") % {"amount": money_words(pools, say)})
    return _and(parts, say) if parts else _("No money for premiums")


def _pool_sentence(plan: Plan, say: Speaker) -> str:
    """What one more billion in the APBD buys, from the exact re-solve with the pool raised."""
    _ = say.gettext
    priced = [p for p in plan.pools if p.plus_billion_enrollments is not None]
    if not priced or plan.objective_name != "max_protection":
        return ""
    best = max(priced, key=lambda p: (p.plus_billion_enrollments or 0.0, p.kabupaten))
    more = best.plus_billion_enrollments or 0.0
    if more <= 1e-9:
        return _(
            "One more Rp1 billion in the APBD buys nothing more: the villages' caps or their "
            "uninsured workers are the limit."
        )
    workers = say.fmt.number(round(more))
    if len(plan.pools) == 1:
        return _("Raising the APBD pool to %(pool)s adds about %(more)s.") % {
            "pool": money_words(best.pool_idr + 1e9, say),
            "more": workers,
        }
    return _("One more Rp1 billion adds most in the APBD pool of %(kabupaten)s: about %(more)s.") % {
        "kabupaten": best.kabupaten,
        "more": workers,
    }


def plan_in_short(plan: Plan, scenario: Scenario, lang: Lang) -> str:
    """The plan in a planner's words: the money, what it buys, what one more billion would add;
    or why there is no plan and the least change that gives one."""
    say = speaker(lang)
    fmt, _ = say.fmt, say.gettext
    money = money_in_scenario(plan, scenario, say)
    t = plan.totals
    if plan.status == Status.error:
        return _("The plan failed desaplan's own check of every constraint, so it has no targets.")
    if t is None or plan.status == Status.infeasible:
        if plan.status == Status.time_limit:
            return _("The time limit came before any plan that meets every floor and target.")
        short = sum(s.shortfall_idr for s in plan.short_villages)
        if plan.short_villages:
            text = _(
                "With %(money)s the floors cannot be met: %(count)s villages fall short by %(short)s in all."
            ) % {
                "money": money,
                "count": fmt.number(len(plan.short_villages)),
                "short": money_words(short, say),
            }
        else:
            text = _("With %(money)s the scenario has no plan.") % {"money": money}
        pool = next(
            (r for r in plan.remedies if r.lever == "apbd_pool" and r.needed is not None and r.year is None),
            None,
        )  # a pool of one year only is not the pool
        share = next(
            (r for r in plan.remedies if r.lever == "dana_desa_share" and r.needed is not None), None
        )
        if pool is not None:
            text += " " + _("An APBD pool of %(needed)s would make it possible.") % {
                "needed": money_words(pool.needed or 0.0, say)
            }
        if share is not None:
            text += " " + _("So would %(share)s of dana desa.") % {
                "share": share_words(share.needed or 0.0, say)
            }
        return text
    if plan.objective_name == "min_cost":
        text = _(
            "The floors and target ask for %(new)s new enrolments; the least they cost is "
            "%(spent)s, paid from %(money)s."
        ) % {
            "new": fmt.count(t.new_enrollments),
            "spent": money_words(t.spend_total_idr, say),
            "money": money,
        }
    else:
        text = _("%(money)s enrol %(new)s workers in %(with)s villages") % {
            "money": money[:1].upper() + money[1:],
            "new": fmt.count(t.new_enrollments),
            "with": fmt.number(t.villages_with_new_enrollments),
        }
        if t.coverage_before is not None:
            text += _(", raising coverage from %(before)s to %(after)s") % {
                "before": fmt.percent(t.coverage_before),
                "after": fmt.percent(t.coverage_after),
            }
        text += "."
    more = _pool_sentence(plan, say)
    return f"{text} {more}" if more else text


def comparison_in_short(comparison: PlanComparison, lang: Lang) -> str:
    """Each compared plan against the baseline in one sentence: enrolments, spend, and how many
    villages gain and lose."""
    say = speaker(lang)
    fmt, _ = say.fmt, say.gettext
    totals = comparison.totals
    base = totals.iloc[0]
    sentences = []
    for i, label in enumerate(comparison.labels, start=1):
        row = totals.iloc[i]
        if row["status"] not in ("optimal", "time_limit"):
            sentences.append(
                _("%(plan)s has no plan (%(status)s).")
                % {"plan": label, "status": say.status(str(row["status"]))}
            )
            continue
        delta = float(row["new_enrollments"] - base["new_enrollments"])
        values = {
            "plan": label,
            "baseline": comparison.baseline,
            "delta": fmt.count(abs(delta)),
            "new": fmt.count(float(row["new_enrollments"])),
            "base_new": fmt.count(float(base["new_enrollments"])),
        }
        if delta > 1e-9:
            text = (
                _("%(plan)s enrols %(delta)s more workers than %(baseline)s (%(new)s against %(base_new)s)")
                % values
            )
        elif delta < -1e-9:
            text = (
                _("%(plan)s enrols %(delta)s fewer workers than %(baseline)s (%(new)s against %(base_new)s)")
                % values
            )
        else:
            text = _("%(plan)s enrols as many workers as %(baseline)s (%(new)s)") % values
        spend = float(row["spend_total_idr"] - base["spend_total_idr"])
        amount = {"amount": money_words(abs(spend), say)}
        if spend > 0.5:
            text += _(" and spends %(amount)s more") % amount
        elif spend < -0.5:
            text += _(" and spends %(amount)s less") % amount
        else:
            text += _(" for the same money")
        villages = comparison.villages[comparison.villages["plan"] == label]
        gain = int((villages["new_enrollments_delta"] > 1e-9).sum())
        lose = int((villages["new_enrollments_delta"] < -1e-9).sum())
        text += _("; %(gain)s villages gain enrolments and %(lose)s lose.") % {
            "gain": fmt.number(gain),
            "lose": fmt.number(lose),
        }
        sentences.append(text)
    return " ".join(sentences)
