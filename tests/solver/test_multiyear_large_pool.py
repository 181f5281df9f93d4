"""One APBD pool shared by 2,100 villages over three years: solved whole, checked, and its optimum
that of the LP written out again independently."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

import scenarios
from models import Problem, SolveOptions, Status, Village, VillageTable
from solver import solve
from solver.multiyear import prepare_years

N = 2_100
COST = 16_800 * 12  # one package, Rp201,600 a worker a year


def _table() -> VillageTable:
    villages = [
        Village(
            village_code=f"32.{10 + j // 1000:02d}.{j // 100 % 10 + 1:02d}.{2001 + j % 100}",
            village_name=f"Desa {j}",
            kecamatan=f"Kecamatan {j // 100}",
            dana_desa_idr=900_000_000 + 7_919_000 * (j % 500),
            uninsured={"farmers": 30 + j % 70, "fishers": j % 25},
            enrolled={"farmers": j % 11},
            priority=1 + (j % 7) / 10,
        )
        for j in range(N)
    ]
    return VillageTable(groups=["farmers", "fishers"], villages=villages)


def _independent(problem: Problem) -> float:
    """max sum priority x weight x (T - s) x[v,g,s] over new enrolments x of year s and pool money
    z[v,t]: group caps over the plan, each year's own money and pool, the coverage floor of each
    year on the workers funded by then; written from the math with scipy (sparse), not desaplan."""
    years = prepare_years(problem)
    table = problem.table
    n, G, T = N, 2, 3
    U = np.array([[v.uninsured.get(g, 0) for g in table.groups] for v in table.villages], float)
    weight = np.array([1.0, 2.0])
    prio = np.array([v.priority for v in table.villages])
    xi = lambda v, g, s: (v * G + g) * T + s  # noqa: E731
    n_x = n * G * T
    zi = lambda v, t: n_x + v * T + t  # noqa: E731
    c = np.zeros(n_x + n * T)
    rows, cols, vals, rhs = [], [], [], []
    r = 0

    def add(entries: list[tuple[int, float]], bound: float) -> None:
        nonlocal r
        for col, val in entries:
            rows.append(r)
            cols.append(col)
            vals.append(val)
        rhs.append(bound)
        r += 1

    for v in range(n):
        for g in range(G):
            for s in range(T):
                c[xi(v, g, s)] = -prio[v] * weight[g] * (T - s)
            add([(xi(v, g, s), 1.0) for s in range(T)], U[v, g])
        for t in range(T):
            funded = [(xi(v, g, s), COST) for g in range(G) for s in range(t + 1)]
            add(funded + [(zi(v, t), -1.0)], years.cap_dd[t, v])
            need = years.total_need[: t + 1, v].max()
            if need > 0:
                add([(xi(v, g, s), -1.0) for g in range(G) for s in range(t + 1)], -need)
    for t in range(T):
        add([(zi(v, t), 1.0) for v in range(n)], years.pool[t, 0])
    a = sp.csr_matrix((vals, (rows, cols)), shape=(r, len(c)))
    result = linprog(c, A_ub=a, b_ub=np.array(rhs), bounds=(0, None), method="highs")
    assert result.status == 0
    return -float(result.fun)


def test_one_pool_over_2100_villages_and_three_years_is_solved_whole() -> None:
    problem = Problem(
        table=_table(),
        scenario=scenarios.scenario_from_dict(
            {
                "packages": [{"code": "JKK-JKM", "monthly_premium_idr": 16_800}],
                "group_weights": {"fishers": 2.0},
                "budget": {"dana_desa_share": 0.002, "apbd_pool_idr": 15_000_000_000},
                "targets": {"min_coverage": 0.3},
                "multi_year": {"years": 3, "dana_desa_growth": "3%", "pool_growth": "10%"},
            }
        ),
    )
    plan = solve(problem, SolveOptions(price_pool_min_villages=2_000))
    assert plan.status == Status.optimal and plan.check is not None and plan.check.ok
    assert plan.blocks == 1 and plan.preferred
    assert [p.kabupaten for p in plan.pools] == [""]
    # the pool binds every year, and its money is that of each year
    assert [y.pool_idr for y in plan.years] == pytest.approx([15e9, 16.5e9, 18.15e9])
    for year in plan.years:
        assert year.spend_apbd_idr <= year.pool_idr + 1
        assert year.spend_apbd_idr == pytest.approx(year.pool_idr, rel=1e-6)
    optimum = _independent(problem)
    assert plan.lp_bound == pytest.approx(optimum, rel=1e-9)
    # the order of preference holds each pass within 1e-8 of the one before
    assert plan.objective == pytest.approx(optimum, rel=1e-7)
    assert plan.pool_years and all(p.marginal_value_per_million is not None for p in plan.pool_years)
