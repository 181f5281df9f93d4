"""The allocation LP, built with PuLP 4.

The contract's model (CONTRACT section 3) has, per village, new enrolments x[v,g,p] and three sources
y (dana desa), w (ADD), z (APBD pool) with sum c x = y + w + z, y <= s DD, w <= a A. Because y and w pay
for the same enrolments, they are one resource: we keep only z and write the village's budget as

    sum_{g,p} c[p] x[v,g,p] - z[v] <= s[v] DD[v] + a A[v]

which has exactly the same feasible enrolments and objective. The split into y, w, z is made after the
solve (dana desa first, then ADD, then the pool: see `solver.sources`). Variables that cannot be non-zero
are never created: x only where U[v,g] > 0, z only where the village's pool holds money.

`build_model` reads as the table of contents; each `add_<family>` states its constraint in one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pulp

from models import Objective
from solver.data import Arrays


@dataclass
class BuiltModel:
    prob: pulp.LpProblem
    x: list[pulp.LpVariable]  # one per (v, g, p) with U[v,g] > 0, sorted by v, g, p
    xv: np.ndarray  # village (local index) of each x
    xg: np.ndarray  # group of each x
    xp: np.ndarray  # package of each x
    x_start: np.ndarray  # (n+1,) x of village v are x[x_start[v]:x_start[v+1]]
    z: list[pulp.LpVariable]
    zv: np.ndarray  # village of each z
    objective_coef: np.ndarray  # (len(x),)
    budget_row_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    budget_v: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # their villages
    pool_row_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    pool_k: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # their pools


def build_model(data: Arrays, mip: bool = False) -> BuiltModel:
    """The LP (or MIP, with whole-number x) of one block of villages."""
    sense = pulp.LpMinimize if data.objective == Objective.min_cost else pulp.LpMaximize
    prob = pulp.LpProblem("desaplan", sense)
    model = add_variables(prob, data, mip)
    add_objective(model)
    add_group_caps(model, data)  # 1
    add_budgets(model, data)  # 2 and 3
    add_pools(model, data)  # 4
    add_coverage_floors(model, data)  # 5
    add_group_floors(model, data)  # 6
    add_target(model, data)  # 7
    return model


def add_variables(prob: pulp.LpProblem, data: Arrays, mip: bool) -> BuiltModel:
    """x[v,g,p] >= 0 where U[v,g] > 0; z[v] >= 0 where the village's pool is > 0."""
    n_packages = len(data.packages)
    v_idx, g_idx = np.nonzero(data.uninsured > 0)  # row-major: sorted by v then g
    xv = np.repeat(v_idx, n_packages)
    xg = np.repeat(g_idx, n_packages)
    xp = np.tile(np.arange(n_packages), len(v_idx))
    cat = pulp.LpInteger if mip else pulp.LpContinuous
    x = prob.add_variable_matrix("x", range(len(xv)), lowBound=0, cat=cat) if len(xv) else []
    if n_packages == 1:
        # with one package the group cap is a bound, not a row
        for var, cap in zip(x, data.uninsured[xv, xg], strict=True):
            var.upBound = float(cap)
    x_start = np.searchsorted(xv, np.arange(data.n + 1))

    has_money = data.pool_idr[data.pool_of] > 0
    has_x = x_start[1:] > x_start[:-1]
    zv = np.nonzero(has_money & has_x)[0]
    z = prob.add_variable_matrix("z", range(len(zv)), lowBound=0) if len(zv) else []
    coef = data.objective_coef()[xv, xg, xp]
    return BuiltModel(prob=prob, x=x, xv=xv, xg=xg, xp=xp, x_start=x_start, z=z, zv=zv,
                      objective_coef=np.ascontiguousarray(coef, dtype=float))


def add_objective(m: BuiltModel) -> None:
    """max sum priority[v] weight[g] value[p] x[v,g,p]  |  min sum c[p] x[v,g,p] (= sum y + w + z)."""
    m.prob.setObjective(_affine(m.x, m.objective_coef))


def add_group_caps(m: BuiltModel, data: Arrays) -> None:
    """1. sum_p x[v,g,p] <= U[v,g]."""
    n_packages = len(data.packages)
    if n_packages == 1 or not m.x:
        return
    caps = data.uninsured[m.xv[::n_packages], m.xg[::n_packages]]
    ones = np.ones(n_packages)
    for i, cap in enumerate(caps.tolist()):
        lo = i * n_packages
        m.prob.addConstraint(_affine(m.x[lo:lo + n_packages], ones) <= cap)


def add_budgets(m: BuiltModel, data: Arrays) -> None:
    """2-3. sum_{g,p} c[p] x[v,g,p] - z[v] <= s[v] DD[v] + a A[v]  (y, w folded into the right side)."""
    cost = data.cost_idr[m.xp]
    z_of = dict(zip(m.zv.tolist(), m.z, strict=True))
    own = data.own_idr
    villages = np.nonzero(m.x_start[1:] > m.x_start[:-1])[0]
    rows = []
    for v in villages.tolist():
        lo, hi = int(m.x_start[v]), int(m.x_start[v + 1])
        expr = _affine(m.x[lo:hi], cost[lo:hi])
        z = z_of.get(v)
        if z is not None:
            expr = expr - z
        rows.append(m.prob.addConstraint(expr <= float(own[v])).id)
    m.budget_row_ids, m.budget_v = np.array(rows, dtype=np.int64), villages


def add_pools(m: BuiltModel, data: Arrays) -> None:
    """4. sum_{v in k} z[v] <= pool[k]."""
    if not m.z:
        return
    pool_of_z = data.pool_of[m.zv]
    rows, pools = [], []
    for k in np.unique(pool_of_z).tolist():
        members = [m.z[i] for i in np.nonzero(pool_of_z == k)[0].tolist()]
        rows.append(m.prob.addConstraint(pulp.lpSum_vars(members) <= float(data.pool_idr[k])).id)
        pools.append(k)
    m.pool_row_ids, m.pool_k = np.array(rows, dtype=np.int64), np.array(pools, dtype=np.int64)


def add_coverage_floors(m: BuiltModel, data: Arrays) -> None:
    """5. sum_{g,p} x[v,g,p] >= min_coverage (E[v] + U[v]) - E[v]  (stored as total_need[v])."""
    for v in np.nonzero(data.total_need > 0)[0].tolist():
        lo, hi = int(m.x_start[v]), int(m.x_start[v + 1])
        m.prob.addConstraint(pulp.lpSum_vars(m.x[lo:hi]) >= float(data.total_need[v]))


def add_group_floors(m: BuiltModel, data: Arrays) -> None:
    """6. sum_p x[v,g,p] >= share[g] (E[v,g] + U[v,g]) - E[v,g]  (stored as group_need[v,g])."""
    n_packages = len(data.packages)
    first = np.arange(0, len(m.x), n_packages)
    need = data.group_need[m.xv[first], m.xg[first]]
    for i in np.nonzero(need > 0)[0].tolist():
        lo = int(first[i])
        m.prob.addConstraint(pulp.lpSum_vars(m.x[lo:lo + n_packages]) >= float(need[i]))


def add_target(m: BuiltModel, data: Arrays) -> None:
    """7. sum x >= min_new_enrollments."""
    if data.min_new > 0:
        m.prob.addConstraint(pulp.lpSum_vars(m.x) >= data.min_new)


def _affine(variables: list[pulp.LpVariable], coefs: np.ndarray) -> pulp.LpAffineExpression:
    return pulp.lpSum_vars_coefs(zip(variables, coefs.tolist(), strict=True))
