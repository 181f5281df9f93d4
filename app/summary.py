"""The summary `desaplan solve` prints: in Bahasa Indonesia or English, numbers in the language's
locale, groups as planners say them; the solver's words (method, blocks, bound, timings) only
with `verbose`."""

from __future__ import annotations

from pathlib import Path

from app.i18n import Lang, speaker
from models import Plan, Status


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
        else:
            text = say.gettext("The solver found no plan.")
        if explanation.kabupaten:
            text += f" {say.gettext('Kabupaten')} {explanation.kabupaten}."
        if explanation.shortfall_idr:
            short = fmt.rupiah(explanation.shortfall_idr)
            text += " " + say.gettext("Short by %(amount)s.") % {"amount": short}
        lines.append(f"  {text}")
        if explanation.shortfall_idr:
            lines.append(
                "  "
                + say.gettext(
                    "Smallest change that would make it possible: %(amount)s more in the APBD pool, "
                    "or lower floors in these villages."
                )
                % {"amount": fmt.rupiah(explanation.shortfall_idr)}
            )
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


def solve_summary(
    plan: Plan, timings: dict[str, float], out_dir: Path, lang: Lang = "en", verbose: bool = False
) -> str:
    """The terminal summary a planner reads."""
    say = speaker(lang)
    fmt = say.fmt
    _ = say.gettext
    lines = [f"desaplan: {plan.scenario_name}", f"  {_('Status')}: {say.status(plan.status.value)}"]
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
        if plan.integer and plan.lp_bound is not None and plan.gap_to_lp_bound is not None:
            lines.append(f"  LP bound {plan.lp_bound:,.2f} (gap {plan.gap_to_lp_bound:.4%})")
    if plan.status == Status.infeasible or not plan.totals:
        lines += explanation_lines(plan, lang)
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
    lines.append(
        "    " + ", ".join(f"{say.group(g)} {fmt.count(n)}" for g, n in t.new_by_group.items() if n > 1e-9)
    )
    lines.append("    " + ", ".join(f"{p} {fmt.count(n)}" for p, n in t.new_by_package.items()))
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
    by_kecamatan: dict[str, float] = {}
    for v in plan.villages:
        by_kecamatan[v.kecamatan] = by_kecamatan.get(v.kecamatan, 0.0) + v.new_enrollments
    if by_kecamatan:
        top = max(by_kecamatan, key=lambda k: by_kecamatan[k])
        lines.append(
            "  "
            + _("Most new enrolments: kecamatan %(kecamatan)s, %(count)s.")
            % {"kecamatan": top, "count": fmt.count(by_kecamatan[top])}
        )
    if plan.status == Status.time_limit:
        lines.append("  " + _("The time limit came first: this is the best plan found, not proven the best."))
    if plan.check is not None:
        if plan.check.ok:
            lines.append("  " + _("Checked: every budget, cap and floor holds."))
        else:
            failed = "; ".join(plan.check.violations[:3])
            lines.append("  " + _("The check FAILED: %(what)s") % {"what": failed})
    if verbose and plan.message:
        lines.append(f"  {plan.message}")
    written = [out_dir / "plan.json", out_dir / "targets.csv", out_dir / "targets.xlsx"]
    lines.append(f"  {_('Wrote')} " + ", ".join(str(p) for p in written))
    return "\n".join(lines)
