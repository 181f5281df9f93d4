"""The summary `desaplan solve` prints: in Bahasa Indonesia or English, numbers in the language's
locale, groups as planners say them; the solver's words (method, blocks, bound, timings) only
with `verbose`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from app.i18n import N_, Lang, Speaker, speaker
from app.i18n.in_short import plan_in_short
from models import Explanation, Plan, Remedy, Scenario, Status
from models.rules import RuleSetPublic
from scenarios.labels import SECTOR_NAMES, SOURCE_NAMES, sector_words
from scenarios.rules import premium_ranges


def explanation_lines(plan: Plan, lang: Lang, limit: int = 10) -> list[str]:
    """Why an infeasible scenario is infeasible, built from the explanation's figures."""
    say = speaker(lang)
    fmt = say.fmt
    lines = []
    for explanation in plan.explanations:
        if explanation.constraint == "coverage_floors":
            text = say.gettext("Villages cannot pay for their coverage floors with their own money.")
        elif explanation.constraint == "apbd_pool":
            text = say.gettext("The APBD pool is too small for the villages that need it.")
        elif explanation.constraint == "min_new_enrollments":
            text = say.gettext("The money cannot buy the target of new enrolments.")
        elif explanation.constraint == "actuals_committed":
            text = say.gettext(
                "The actual enrolments cost more than the money left to keep them "
                "funded to the end of the horizon."
            )
        else:
            text = say.gettext("The solver found no plan.")
        if explanation.year is not None:
            text = f"{year_words(explanation.year, explanation.fiscal_year, say)}: {text}"
        if explanation.kabupaten:
            text += f" {say.gettext('Kabupaten')} {explanation.kabupaten}."
        if explanation.shortfall_idr:
            short = fmt.rupiah(explanation.shortfall_idr)
            text += " " + say.gettext("Short by %(amount)s.") % {"amount": short}
        lines.append(f"  {text}")
        if explanation.shortfall_idr:
            lines.append("  " + smallest_change(explanation, say))
        if explanation.villages:
            shown = min(limit, len(explanation.villages))
            lines.append("  " + say.gettext("The largest shortfalls:") + f" ({fmt.number(shown)})")
        for s in explanation.villages[:limit]:
            lines.append(
                "    "
                + say.gettext(
                    "%(code)s %(village)s (%(kecamatan)s): needs %(workers)s workers, %(cost)s; "
                    "has %(budget)s; short %(short)s"
                )
                % {
                    "code": s.village_code,
                    "village": s.village_name,
                    "kecamatan": s.kecamatan,
                    "workers": fmt.count(s.workers_needed),
                    "cost": fmt.rupiah(s.cost_idr),
                    "budget": fmt.rupiah(s.own_budget_idr),
                    "short": fmt.rupiah(s.shortfall_idr),
                }
            )
        if len(explanation.villages) > limit:
            more = len(explanation.villages) - limit
            more_text = say.gettext("… and %(count)s more in plan.json") % {"count": fmt.number(more)}
            lines.append("    " + more_text)
    return lines


# what a pool remedy's money is for (`Remedy.money_for`)
_MONEY_FOR = {
    "floors": N_("for the floors"),
    "target": N_("for the target"),
    "floors_and_target": N_("for the floors and the target"),
}


def smallest_change(explanation: Explanation, say: Speaker) -> str:
    """The least change an explanation's figure stands for, in words that say what it is for: the
    floors, or the target (no floor talk where the floors are not what falls short)."""
    amount = say.fmt.rupiah(explanation.shortfall_idr)
    if explanation.constraint == "min_new_enrollments":
        return say.gettext(
            "Smallest change that would make it possible: about %(amount)s more in the "
            "villages' caps or their APBD pool, or a lower target."
        ) % {"amount": amount}
    return say.gettext(
        "Smallest change that would make it possible: %(amount)s more in the APBD pool, "
        "or lower floors in these villages."
    ) % {"amount": amount}


def remedy_lines(plan: Plan, say: Speaker) -> list[str]:
    """The way out of infeasibility, each change on its own, from the remedies' figures."""
    return [f"    {text}" for text in remedy_texts(plan.remedies, say)]


def remedy_texts(remedies: list[Remedy], say: Speaker) -> list[str]:
    """Each remedy in the planner's words."""
    fmt, _ = say.fmt, say.gettext
    lines = []
    for r in remedies:
        if r.lever == "apbd_pool" and r.needed is None and r.needed_with_others_met is not None:
            text = _(
                "an APBD pool of %(needed)s in %(kabupaten)s for its own villages' floors, with "
                "the other shortfalls met too (now %(current)s)"
            ) % {
                "needed": fmt.rupiah(r.needed_with_others_met),
                "kabupaten": r.kabupaten or _("the table"),
                "current": fmt.rupiah(r.current),
            }
        elif r.needed is None:
            text = _("%(lever)s: no value of it alone is enough") % {"lever": r.lever}
        elif r.lever == "apbd_pool":
            text = _("an APBD pool of %(needed)s in %(kabupaten)s (now %(current)s)") % {
                "needed": fmt.rupiah(r.needed),
                "kabupaten": r.kabupaten or _("the table"),
                "current": fmt.rupiah(r.current),
            }
            if r.money_for in _MONEY_FOR:
                text += " " + _(_MONEY_FOR[r.money_for])
        elif r.lever in ("dana_desa_share", "add_share"):
            name = "dana desa" if r.lever == "dana_desa_share" else "ADD"  # their own names in both
            text = _("a %(source)s share of %(needed)s (now %(current)s)") % {
                "source": name,
                "needed": fmt.percent(r.needed, 2),
                "current": fmt.percent(r.current, 2),
            }
        elif r.lever == "min_coverage":
            text = _("a coverage floor of at most %(needed)s (now %(current)s)") % {
                "needed": fmt.percent(r.needed, 1),
                "current": fmt.percent(r.current, 1),
            }
        elif r.lever == "group_min_coverage":
            text = _("a floor for %(group)s of at most %(needed)s (now %(current)s)") % {
                "group": say.group(r.group or ""),
                "needed": fmt.percent(r.needed, 1),
                "current": fmt.percent(r.current, 1),
            }
        else:
            # to the 0.0001 worker the remedy is worked out to (a continuous plan's is continuous)
            text = _("a target of at most %(needed)s new enrolments (now %(current)s)") % {
                "needed": fmt.number(r.needed, 4),
                "current": fmt.number(r.current, 4),
            }
        if (
            r.lever == "apbd_pool"
            and r.year is None
            and r.needed is not None
            and any(other.year is not None for other in remedies)
        ):
            text += " " + _("in year 1, grown every year as the scenario sets")
        if r.year is not None:
            text = f"{year_words(r.year, r.fiscal_year, say)}: {text}"
        if not r.exact and r.needed is not None:
            text += " " + (
                _("(a plan exists there; the least change may be smaller)")
                if r.year is not None or any(o.year is not None for o in remedies)
                else _("(whole workers: not proven the least change)")
            )
        lines.append(text)
    return lines


def year_words(year: int, fiscal_year: int | None, say: Speaker) -> str:
    """ "Tahun ke-3 (2028)": a year of a multi-year plan."""
    if fiscal_year is None:
        return say.gettext("Year %(year)s") % {"year": year}
    return say.gettext("Year %(year)s (%(fiscal_year)s)") % {"year": year, "fiscal_year": fiscal_year}


def top_kecamatan(plan: Plan) -> tuple[str, str, float] | None:
    """The kecamatan with most new enrolments, keyed by kabupaten and kecamatan (same-named
    kecamatan of different kabupaten are different places)."""
    by_kecamatan: dict[tuple[str, str], float] = {}
    for v in plan.villages:
        key = (v.kabupaten, v.kecamatan)
        by_kecamatan[key] = by_kecamatan.get(key, 0.0) + v.new_enrollments
    if not by_kecamatan:
        return None
    (kabupaten, kecamatan), new = max(by_kecamatan.items(), key=lambda kv: (kv[1], kv[0]))
    return kabupaten, kecamatan, new


def _method_words(plan: Plan, say: Speaker) -> str:
    _ = say.gettext
    if plan.method.value == "mip":
        return _("whole workers, branch and bound")
    if plan.integer:
        return _("whole workers, LP rounded") if plan.method.value == "lp_rounded" else _("whole workers")
    return _("continuous")


def group_lines(plan: Plan, say: Speaker) -> list[str]:
    """Per group, why it got what it got: its weight, its value per rupiah, the floors that bind."""
    fmt, _ = say.fmt, say.gettext
    lines = []
    for r in plan.group_reasons:
        if not r.uninsured:
            continue
        why = [_("weight %(weight)s") % {"weight": fmt.number(r.weight, 2)}]
        if r.cheapest_cost_idr > 0:  # in workers, not in the objective's points
            why.append(
                _("Rp1 million covers %(workers)s workers")
                % {"workers": fmt.number(1e6 / r.cheapest_cost_idr, 2)}
            )
        if r.floor_share:
            why.append(
                _("floor %(share)s, met exactly in %(count)s villages")
                % {"share": fmt.percent(r.floor_share, 0), "count": fmt.number(r.villages_at_floor)}
            )
        why.append(
            _("all enrolled in %(count)s of %(villages)s villages")
            % {"count": fmt.number(r.villages_all_enrolled), "villages": fmt.number(r.villages_with_workers)}
        )
        lines.append(
            f"    {say.group(r.group)}: {fmt.count(r.new_enrollments)} / "
            f"{fmt.number(r.uninsured)} — " + ", ".join(why)
        )
    return lines


def pool_lines(plan: Plan, say: Speaker) -> list[str]:
    """Per APBD pool: what it spent, and what one more billion rupiah in it would buy."""
    fmt, _ = say.fmt, say.gettext
    lines = []
    cheapest = min((r.cheapest_cost_idr for r in plan.group_reasons), default=0.0)
    for pool in plan.pools:
        if pool.pool_idr <= 0:
            continue
        name = (
            _("APBD pool %(kabupaten)s") % {"kabupaten": pool.kabupaten} if pool.kabupaten else _("APBD pool")
        )
        line = f"  {name}: " + _("%(spent)s of %(pool)s spent") % {
            "spent": fmt.rupiah(pool.spent_idr),
            "pool": fmt.rupiah(pool.pool_idr),
        }
        if plan.objective_name == "min_cost":
            if cheapest:
                line += "; " + _(
                    "the plan buys only what its floors and target ask, so one more Rp1 "
                    "billion changes nothing: it would pay for up to %(workers)s more "
                    "workers at %(cost)s each"
                ) % {"workers": fmt.number(1e9 // cheapest), "cost": fmt.rupiah(cheapest)}
        elif pool.marginal_enrollments_per_billion is not None:
            line += "; " + _("one more Rp1 billion buys about %(workers)s new enrolments") % {
                "workers": fmt.count(pool.marginal_enrollments_per_billion)
            }
            if pool.marginal_range_idr is not None:
                line += " " + _("at this rate for the next %(amount)s") % {
                    "amount": fmt.rupiah(pool.marginal_range_idr)
                }
            if pool.plus_billion_enrollments is not None:
                line += "; " + _("re-solved with Rp1 billion more: %(workers)s more") % {
                    "workers": fmt.count(pool.plus_billion_enrollments)
                }
            if plan.marginals_from == "lp_relaxation":
                line += " " + _("(estimated before rounding to whole workers)")
        lines.append(line)
    return lines


def year_lines(plan: Plan, say: Speaker) -> list[str]:
    """A multi-year plan year by year: new and funded workers, coverage, what each source pays."""
    if not plan.years:
        return []
    fmt, _ = say.fmt, say.gettext
    lines = ["  " + _("Year by year (every worker enrolled stays funded to the plan's end):")]
    for y in plan.years:
        name = str(y.fiscal_year) if y.fiscal_year is not None else _("year %(year)s") % {"year": y.year}
        line = _("%(year)s (%(months)s months): %(new)s new, %(funded)s funded") % {
            "year": name,
            "months": y.months,
            "new": fmt.count(y.new_enrollments),
            "funded": fmt.count(y.funded),
        }
        if y.coverage_after is not None:
            line += ", " + _("coverage %(coverage)s") % {"coverage": fmt.percent(y.coverage_after)}
        line += "; " + _(
            "dana desa %(dd)s of %(dd_cap)s, ADD %(add)s of %(add_cap)s, APBD pool %(apbd)s of %(pool)s"
        ) % {
            "dd": fmt.rupiah(y.spend_dana_desa_idr),
            "dd_cap": fmt.rupiah(y.cap_dana_desa_idr),
            "add": fmt.rupiah(y.spend_add_idr),
            "add_cap": fmt.rupiah(y.cap_add_idr),
            "apbd": fmt.rupiah(y.spend_apbd_idr),
            "pool": fmt.rupiah(y.pool_idr),
        }
        lines.append("    " + line)
    return lines


def premium_lines(plan: Plan, say: Speaker) -> list[str]:
    """The premiums a plan priced by the contribution rules used, month by month, and by whom."""
    if plan.rules is None or not plan.months:
        return []
    _ = say.gettext
    lines = [
        "  "
        + _("Premiums from the contribution rules %(name)s (version %(version)s), %(first)s to %(last)s:")
        % {
            "name": plan.rules.name,
            "version": plan.rules.version,
            "first": plan.months[0],
            "last": plan.months[-1],
        }
    ]
    for r in premium_ranges(plan.premiums):
        sectors = sector_words(r.sectors, _)
        sources = ", ".join(_(SOURCE_NAMES.get(s, s)) for s in r.sources)
        runs = "; ".join(
            _("%(premium)s a month in %(first)s to %(last)s")
            % {"premium": say.fmt.rupiah(premium), "first": first, "last": last}
            for first, last, premium in r.runs
        )
        lines.append(f"    {r.package} ({sectors}; {sources}): {runs}")
    lines.append("  " + _("Every value with its regulation and article: desaplan rules"))
    return lines


def rules_text(rules: RuleSetPublic, lang: Lang = "en") -> str:
    """`desaplan rules`: every parameter with its values from their dates, and its references."""
    say = speaker(lang)
    _ = say.gettext
    lines = [
        _("Contribution rules %(name)s, version %(version)s")
        % {"name": rules.name, "version": rules.version},
        f"  {_(rules.label)}",
    ]
    for p in rules.parameters:
        mark = f" [{_('unconfirmed')}]" if p.unconfirmed else ""
        lines += ["", f"{_(p.label)} ({p.name}, {p.unit}){mark}"]
        for value in p.values:
            lines.append(
                "  "
                + _("from %(date)s: %(value)s")
                % {
                    "date": say.fmt.date(dt.datetime.combine(value.effective, dt.time(12))),
                    "value": _rule_value(value.value, say),
                }
            )
        for ref in p.reference:
            where = f" — {ref.href}" if ref.href else ""
            lines.append(
                "  "
                + _("Reference: %(title)s, %(article)s") % {"title": ref.title, "article": ref.article}
                + where
            )
        if p.note:
            lines.append("  " + _("Note: %(note)s") % {"note": p.note})
    return "\n".join(lines)


def _rule_value(value: object, say: Speaker) -> str:
    if isinstance(value, bool):
        return say.gettext("yes") if value else say.gettext("no")
    if isinstance(value, int | float):
        return say.fmt.number(value, 2 if value < 1 else 0)
    if isinstance(value, list):
        shown = [_rule_value(v, say) for v in value[:6]]
        return ", ".join(shown) + (f" … ({len(value)})" if len(value) > 6 else "")
    if isinstance(value, dict):
        names = {**SECTOR_NAMES, **SOURCE_NAMES}
        return ", ".join(
            f"{say.gettext(names[k]) if k in names else k}: {_rule_value(v, say)}" for k, v in value.items()
        )
    return str(value)


def time_limit_lines(plan: Plan, say: Speaker) -> list[str]:
    """What a plan at the time limit lacks: how far it may be from the best bound, and how many of
    its blocks the time limit cut short (the others keep their optimal plans)."""
    _ = say.gettext
    lines = []
    if plan.lp_bound is not None and plan.gap_to_lp_bound is not None:
        lines.append(
            "  "
            + _("It is within %(gap)s of the best bound, %(bound)s.")
            % {"gap": say.fmt.percent(plan.gap_to_lp_bound, 2), "bound": say.fmt.number(plan.lp_bound, 2)}
        )
    if plan.unsolved_blocks and plan.blocks > 1:
        lines.append(
            "  "
            + say.ngettext(
                "%(unsolved)s of %(blocks)s blocks was not solved to the optimum before the time "
                "limit; the other blocks keep their optimal plans.",
                "%(unsolved)s of %(blocks)s blocks were not solved to the optimum before the time "
                "limit; the other blocks keep their optimal plans.",
                plan.unsolved_blocks,
            )
            % {"unsolved": say.fmt.number(plan.unsolved_blocks), "blocks": say.fmt.number(plan.blocks)}
        )
    return lines


def solve_summary(
    plan: Plan,
    timings: dict[str, float],
    out_dir: Path,
    lang: Lang = "en",
    verbose: bool = False,
    scenario: Scenario | None = None,
) -> str:
    """The terminal summary a planner reads; with the scenario, its plan in short first."""
    say = speaker(lang)
    fmt = say.fmt
    _ = say.gettext
    lines = [
        f"desaplan: {plan.scenario_name}",
        f"  {_('Status')}: {say.status(plan.status.value)} ({_method_words(plan, say)})",
    ]
    if scenario is not None:
        lines.append(f"  {_('In short')}: {plan_in_short(plan, scenario, lang)}")
    if verbose:
        methods = {"lp": "LP", "lp_rounded": "LP rounded", "mip": "MIP"}
        method = methods.get(plan.method.value, plan.method.value)
        lines.append(
            f"  {method}, {plan.blocks} block(s), {timings['total']:.2f} s (read {timings['read']:.2f}, "
            f"build {timings['build']:.2f}, HiGHS {timings['solve']:.2f}, check {timings['check']:.2f}, "
            f"write {timings['write']:.2f})"
        )
        if plan.objective is not None:
            lines.append(f"  objective {plan.objective:,.2f} ({plan.objective_name})")
        if plan.lp_bound is not None and plan.gap_to_lp_bound is not None:
            lines.append(f"  best bound {plan.lp_bound:,.2f} (gap {plan.gap_to_lp_bound:.4%})")
    if plan.status == Status.error:
        lines.append(
            "  "
            + _("The plan breaks a constraint, so no targets were written: %(what)s")
            % {"what": "; ".join(plan.check.violations[:3]) if plan.check else plan.message}
        )
        lines.append(f"  {_('Wrote')} {out_dir / 'plan.json'}")
        return "\n".join(lines)
    if plan.status == Status.infeasible or not plan.totals:
        lines += explanation_lines(plan, lang)
        if plan.remedies:
            lines.append("  " + _("The way out, each change on its own:"))
            lines += remedy_lines(plan, say)
        if plan.short_villages or plan.remedies:
            lines.append(
                "  "
                + _("Every short village and the remedies are in %(file)s")
                % {"file": out_dir / "infeasible.xlsx"}
            )
        if plan.status == Status.time_limit:
            lines.append(
                "  "
                + _("The time limit came before any plan that meets every floor and target; allow more time.")
            )
        if verbose and plan.message:
            lines.append(f"  {plan.message}")
        lines.append(f"  {_('Wrote')} {out_dir / 'plan.json'}")
        return "\n".join(lines)

    t = plan.totals
    lines.append(
        "  "
        + _("New enrolments: %(new)s in %(with)s of %(villages)s villages")
        % {
            "new": fmt.count(t.new_enrollments),
            "with": fmt.number(t.villages_with_new_enrollments),
            "villages": fmt.number(t.villages),
        }
    )
    lines.append("    " + ", ".join(f"{p} {fmt.count(n)}" for p, n in t.new_by_package.items()))
    lines.append("  " + _("By group, and why:"))
    lines += group_lines(plan, say)
    if t.coverage_before is not None:
        lines.append(
            "  "
            + _("Coverage: %(before)s -> %(after)s of %(workers)s informal workers")
            % {
                "before": fmt.percent(t.coverage_before),
                "after": fmt.percent(t.coverage_after),
                "workers": fmt.number(t.workers_total),
            }
        )
    lines.append(
        "  "
        + _("Spend: %(total)s: dana desa %(dd)s, ADD %(add)s, APBD pool %(apbd)s")
        % {
            "total": fmt.rupiah(t.spend_total_idr),
            "dd": fmt.rupiah(t.spend_dana_desa_idr),
            "add": fmt.rupiah(t.spend_add_idr),
            "apbd": fmt.rupiah(t.spend_apbd_idr),
        }
    )
    lines += year_lines(plan, say)
    lines += premium_lines(plan, say)
    lines += pool_lines(plan, say)
    top = top_kecamatan(plan)
    if top is not None:
        kabupaten, kecamatan, new = top
        where = f"{kecamatan} ({kabupaten})" if kabupaten else kecamatan
        lines.append(
            "  "
            + _("Most new enrolments: kecamatan %(kecamatan)s, %(count)s.")
            % {"kecamatan": where, "count": fmt.count(new)}
        )
    if plan.status == Status.time_limit:
        lines.append(
            "  "
            + _("The time limit came first: this plan meets every constraint but is not proven the best.")
        )
        lines += time_limit_lines(plan, say)
        if plan.fallback_blocks:
            lines.append(
                "  "
                + _("These blocks have the floors-first plan, not an optimised one: %(blocks)s")
                % {
                    "blocks": "; ".join(plan.fallback_blocks[:5])
                    + (" …" if len(plan.fallback_blocks) > 5 else "")
                }
            )
    if not plan.preferred and plan.status != Status.error:
        lines.append(
            "  "
            + _(
                "Ties between equally good plans were not all settled by the stated "
                "order before the time limit."
            )
        )
    if plan.check is not None and plan.check.ok:
        lines.append("  " + _("Checked: every budget, cap and floor holds."))
    if verbose and plan.message:
        lines.append(f"  {plan.message}")
    written = [out_dir / "plan.json", out_dir / "targets.csv", out_dir / "targets.xlsx"]
    lines.append(f"  {_('Wrote')} " + ", ".join(str(p) for p in written))
    return "\n".join(lines)
