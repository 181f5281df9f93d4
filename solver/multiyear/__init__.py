"""Multi-year plans with continuity: years t = 1..T, each with its own money, one LP.

A worker enrolled in year s stays funded in every later year of the plan: cover lapses when the
contributions stop, and the JKM scholarship for a member's children needs years of membership. So
the decisions are new enrolments x[a,v,g,p,s] (village v, group g, package p, year s, paid by
account a), and the workers funded in year t are the cumulative F[a,v,g,p,t] = sum_{s<=t} x[a,v,g,p,s]:

    1. sum_{a,p,s} x[a,v,g,p,s] <= U[v,g]                                     (group caps, whole plan)
    2-3. sum_{g,p} c[a,t,g,p] F[a,v,g,p,t] - z[v,t] <= cap[a,v,t]       each own account, village, year
    4. sum_{v in k} (z[v,t] + sum_{g,p} c[pool,t,g,p] F[pool,v,g,p,t]) <= pool[k,t]     each pool, year
    5. sum_{a,g,p} F[a,v,g,p,t] >= min_coverage[t] (E[v] + U[v]) - E[v]                  each year
    6. sum_{a,p} F[a,v,g,p,t] >= share[g] (E[v,g] + U[v,g]) - E[v,g]                     each year
    7. sum F[., t] >= min_new_enrollments[t]                                              each year

Continuity needs no rows of its own: year t's budget rows pay for F[t], every worker enrolled by
then, so a plan cannot stop paying for one. Where every source pays the same premium (typed
premiums, or rules without a difference by payer or sector), there is one own account (dana desa
and ADD) and z[v,t] >= 0 is the pool money of village v in year t, as in the contract's model;
where the premiums differ by who pays (`solver.payers`), there is no z and each worker keeps the
account that enrolled them (a pool-funded worker stays on the pool).

Objective `max_protection`: sum_t sum priority x weight x value x F[t], worker-years of protection:
a worker covered three years counts three times, so the LP enrols early where the money allows
rather than treating a year-3 enrolment as a year-1 one. With T = 1 it is the contract's objective.
`min_cost`: the fewest rupiah over all years.

The same machinery as the one-year plan: the table in canonical order, the exact money checks of
every year (`solver.explain`, at year t's money and premiums against the floors of year t), and
where they fail the least change of each lever that makes every year feasible (`remedies`), one
block per kabupaten with a pool (`solver.blocks`), each LP solved by HiGHS (one pool shared by
thousands of villages too: its T rows link the years, so it is solved whole, not priced), its
marginal values per year read from the LP, then the least APBD pool money, the fewest rupiah and
the even sharing among optimal plans (`solver.preference`), whole workers by rounding the
cumulative counts down and buying the floors and the best workers with the money left, and our own
check of every constraint of every year (`solver.check.check_years`).
"""

from solver.multiyear.data import Years, is_multi_year, prepare_years, refuse_multi_year
from solver.multiyear.model import build_years_model
from solver.multiyear.plan import paid_by_source, solve_years
from solver.multiyear.rounding import round_years

__all__ = [
    "Years",
    "build_years_model",
    "is_multi_year",
    "paid_by_source",
    "prepare_years",
    "refuse_multi_year",
    "round_years",
    "solve_years",
]
