"""The allocation LP: arrays for HiGHS, and the same LP through PuLP's public API for the record.

The contract's model (CONTRACT section 3) has, per village, new enrolments x[v,g,p] and three sources
y (dana desa), w (ADD), z (APBD pool) with sum c x = y + w + z, y <= s DD, w <= a A. Because y and w pay
for the same enrolments, they are one resource: we keep only z and write the village's budget as

    sum_{g,p} c[p] x[v,g,p] - z[v] <= s[v] DD[v] + a A[v]

which has exactly the same feasible enrolments and objective. The split into y, w, z is made after the
solve (dana desa first, then ADD, then the pool: see `solver.sources`). Variables that cannot be non-zero
are never created: x only where U[v,g] > 0, z only where the village's pool holds money.

`build_model` reads as the table of contents; each `add_<family>` states its constraint in one line.

The model is recorded as arrays (`BuiltModel.rows`, `col_cost`, `col_upper`): a CSR matrix per
family of rows, which is what HiGHS is handed through highspy's public API (`solver.run`), so the
solve never walks rows one by one in Python. The same model as a PuLP problem, the model of record
an auditor can write (`write_model`: MPS or LP) and re-solve in any solver, is built from those
arrays through PuLP's public API only (`to_problem`); a test checks both are the same LP.

Money enters HiGHS in millions of rupiah (MONEY_UNIT_IDR): premiums of Rp201,600 next to budgets of
Rp1.5 billion are badly scaled for the simplex (HiGHS warns, and takes 3-6 times longer), while in
millions every coefficient lies between 0.1 and a few hundred. So z, the budget and pool rows and their
duals are per million rupiah.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from models import Objective
from solver.data import Arrays

if TYPE_CHECKING:
    import pulp

# a row's sense, as PuLP numbers it (`pulp.LpConstraintLE`, `pulp.LpConstraintGE`); PuLP itself
# loads only where a model goes through it (`to_problem`), never in a solve
LE = -1
GE = 1

MONEY_UNIT_IDR = 1_000_000.0

# one family of rows: starts, column ids, coefficients, lower and upper bounds
RowBlock = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass
class BuiltModel:
    xv: np.ndarray  # village (local index) of each x, one per (v, g, p) with U[v,g] > 0, sorted
    xg: np.ndarray  # group of each x
    xp: np.ndarray  # package of each x
    x_start: np.ndarray  # (n+1,) x of village v are columns x_start[v]:x_start[v+1]
    zv: np.ndarray  # village of each z
    objective_coef: np.ndarray  # (n_x,)
    x_ids: np.ndarray  # column ids of x in HiGHS (and variable ids in `to_problem`)
    z_ids: np.ndarray
    budget_row_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    budget_v: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # their villages
    pool_row_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    pool_k: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # their pools
    # the model itself, as arrays: what `solver.run` hands HiGHS and `to_problem` hands PuLP
    maximize: bool = True
    integer: bool = False
    col_cost: np.ndarray = field(default_factory=lambda: np.zeros(0))
    col_upper: np.ndarray = field(default_factory=lambda: np.zeros(0))
    rows: list[RowBlock] = field(default_factory=list)  # per family: starts, column ids,
    # coefficients, lower, upper
    name: str = "desaplan"
    highs: Any = None  # the highspy.Highs that solved it (`solver.run.run_highs`)

    @property
    def n_x(self) -> int:
        return len(self.xv)

    @property
    def n_z(self) -> int:
        return len(self.zv)

    @property
    def n_rows(self) -> int:
        return sum(len(block[3]) for block in self.rows)

    def release(self) -> None:
        """Drop the HiGHS instance (a national table has a million columns): what is left are the
        index arrays that map HiGHS's columns and rows back to villages."""
        self.highs = None


def build_model(data: Arrays, mip: bool = False, pool_price: float | None = None) -> BuiltModel:
    """The LP (or MIP, with whole-number x) of one block of villages.

    With `pool_price`, pool money is priced instead of capped: z costs `pool_price` per million
    rupiah in the objective and there is no pool row (the Lagrangian of family 4, see `solver.pool_price`).
    """
    model = add_variables(data, mip, priced=pool_price is not None)
    model.maximize, model.integer = data.objective != Objective.min_cost, mip
    add_objective(model, data, pool_price)
    add_group_caps(model, data)  # 1
    add_budgets(model, data)  # 2 and 3
    if pool_price is None:
        add_pools(model, data)  # 4
    add_coverage_floors(model, data)  # 5
    add_group_floors(model, data)  # 6
    add_target(model, data)  # 7
    return model


def add_variables(data: Arrays, mip: bool, priced: bool = False) -> BuiltModel:
    """x[v,g,p] >= 0 where U[v,g] > 0; z[v] >= 0 where the village's pool is > 0."""
    n_packages = len(data.packages)
    v_idx, g_idx = np.nonzero(data.uninsured > 0)  # row-major: sorted by v then g
    xv = np.repeat(v_idx, n_packages)
    xg = np.repeat(g_idx, n_packages)
    xp = np.tile(np.arange(n_packages), len(v_idx))
    x_upper = np.full(len(xv), np.inf)
    if n_packages == 1:
        # with one package the group cap is a bound, not a row
        x_upper = data.uninsured[xv, xg].astype(float)
    x_start = np.searchsorted(xv, np.arange(data.n + 1))

    has_money = data.pool_idr[data.pool_of] > 0
    has_x = x_start[1:] > x_start[:-1]
    zv = np.nonzero(has_money & has_x)[0]
    z_upper = np.full(len(zv), np.inf)
    if priced:
        # without a pool row, a village still never takes more than the whole pool
        z_upper = data.pool_idr[data.pool_of[zv]] / MONEY_UNIT_IDR
    coef = data.objective_coef()[xv, xg, xp]
    col_upper = np.concatenate([x_upper, z_upper])  # columns: x, then z
    return BuiltModel(
        xv=xv,
        xg=xg,
        xp=xp,
        x_start=x_start,
        zv=zv,
        objective_coef=np.ascontiguousarray(coef, dtype=float),
        col_upper=col_upper,
        x_ids=np.arange(len(xv), dtype=np.int64),
        z_ids=np.arange(len(xv), len(xv) + len(zv), dtype=np.int64),
        integer=mip,
    )


def add_objective(m: BuiltModel, data: Arrays, pool_price: float | None) -> None:
    """max sum priority[v] weight[g] value[p] x[v,g,p]  |  min sum c[p] x[v,g,p] (= sum y + w + z)."""
    # min_cost is minimised in millions of rupiah; its true objective (rupiah) stays in objective_coef
    scale = MONEY_UNIT_IDR if data.objective == Objective.min_cost else 1.0
    m.col_cost = np.concatenate([m.objective_coef / scale, np.zeros(m.n_z)])
    if pool_price is not None:
        sign = 1.0 if data.objective == Objective.min_cost else -1.0
        m.col_cost[m.n_x :] = sign * pool_price


def add_group_caps(m: BuiltModel, data: Arrays) -> None:
    """1. sum_p x[v,g,p] <= U[v,g]."""
    n_packages = len(data.packages)
    if n_packages == 1 or not m.n_x:
        return
    first = np.arange(0, m.n_x, n_packages)
    _add_rows(
        m,
        np.append(first, m.n_x),
        m.x_ids,
        np.ones(m.n_x),
        data.uninsured[m.xv[first], m.xg[first]],
        LE,
    )


def add_budgets(m: BuiltModel, data: Arrays) -> None:
    """2-3. sum_{g,p} c[p] x[v,g,p] - z[v] <= s[v] DD[v] + a A[v]  (y, w folded into the right side)."""
    villages = np.nonzero(m.x_start[1:] > m.x_start[:-1])[0]
    # each village's row: its x with their costs, then its z (if any) with -1
    after_x = m.x_start[m.zv + 1]
    ids = np.insert(m.x_ids, after_x, m.z_ids)
    coefs = np.insert(data.cost_idr[m.xp] / MONEY_UNIT_IDR, after_x, -1.0)
    has_z = np.zeros(data.n + 1, dtype=np.int64)
    has_z[m.zv + 1] = 1
    starts = m.x_start + np.cumsum(has_z)
    bounds = np.append(starts[villages], starts[villages[-1] + 1]) if len(villages) else np.zeros(1)
    m.budget_row_ids = _add_rows(
        m, bounds.astype(np.int64), ids, coefs, data.own_idr[villages] / MONEY_UNIT_IDR, LE
    )
    m.budget_v = villages


def add_pools(m: BuiltModel, data: Arrays) -> None:
    """4. sum_{v in k} z[v] <= pool[k]."""
    if not m.n_z:
        return
    pool_of_z = data.pool_of[m.zv]
    order = np.argsort(pool_of_z, kind="stable")
    pools, first = np.unique(pool_of_z[order], return_index=True)
    m.pool_row_ids = _add_rows(
        m,
        np.append(first, len(order)),
        m.z_ids[order],
        np.ones(len(order)),
        data.pool_idr[pools] / MONEY_UNIT_IDR,
        LE,
    )
    m.pool_k = pools.astype(np.int64)


def add_coverage_floors(m: BuiltModel, data: Arrays) -> None:
    """5. sum_{g,p} x[v,g,p] >= min_coverage (E[v] + U[v]) - E[v]  (stored as total_need[v])."""
    villages = np.nonzero(data.total_need > 0)[0]
    if not len(villages):
        return
    lo, lens = m.x_start[villages], m.x_start[villages + 1] - m.x_start[villages]
    offsets = np.cumsum(lens) - lens
    picked = np.arange(lens.sum()) - np.repeat(offsets, lens) + np.repeat(lo, lens)
    _add_rows(
        m,
        np.append(offsets, lens.sum()),
        m.x_ids[picked],
        np.ones(len(picked)),
        data.total_need[villages],
        GE,
    )


def add_group_floors(m: BuiltModel, data: Arrays) -> None:
    """6. sum_p x[v,g,p] >= share[g] (E[v,g] + U[v,g]) - E[v,g]  (stored as group_need[v,g])."""
    n_packages = len(data.packages)
    first = np.arange(0, m.n_x, n_packages)
    need = data.group_need[m.xv[first], m.xg[first]]
    rows = np.nonzero(need > 0)[0]
    if not len(rows):
        return
    picked = (first[rows][:, None] + np.arange(n_packages)[None, :]).ravel()
    _add_rows(
        m,
        np.arange(0, len(picked) + 1, n_packages),
        m.x_ids[picked],
        np.ones(len(picked)),
        need[rows],
        GE,
    )


def add_target(m: BuiltModel, data: Arrays) -> None:
    """7. sum x >= min_new_enrollments."""
    if data.min_new > 0 and m.n_x:
        _add_rows(m, np.array([0, m.n_x]), m.x_ids, np.ones(m.n_x), np.array([data.min_new]), GE)


def _add_rows(
    m: BuiltModel, starts: np.ndarray, ids: np.ndarray, coefs: np.ndarray, rhs: np.ndarray, sense: int
) -> np.ndarray:
    """Add rows sum_k coefs[k] col[ids[k]] (sense) rhs[r] for k in starts[r]:starts[r+1].

    The rows are kept as arrays in `m.rows`, which is what `solver.run` hands to HiGHS and
    `to_problem` to PuLP. Returns the row ids, which are the rows' positions in both.
    """
    first = m.n_rows
    lower = np.full(len(rhs), -np.inf) if sense == LE else np.asarray(rhs, float)
    upper = np.asarray(rhs, float) if sense == LE else np.full(len(rhs), np.inf)
    m.rows.append(
        (np.asarray(starts, dtype=np.int64), ids.astype(np.int64), np.asarray(coefs, float), lower, upper)
    )
    return np.arange(first, first + len(rhs), dtype=np.int64)


def to_problem(m: BuiltModel) -> pulp.LpProblem:
    """The model as a PuLP problem, built through PuLP's public API: the model of record.

    Column j is variable j (`x_0`, `x_1`, ..., then `z_0`, ...; whole numbers for the x of a MIP),
    row i is constraint i (`_C1`, `_C2`, ... in PuLP's files). A Python loop per variable with an
    upper bound and per row: for writing and reading the model, never in the solve.
    """
    import pulp

    sense = pulp.LpMaximize if m.maximize else pulp.LpMinimize
    prob = pulp.LpProblem(m.name, sense)
    columns: list[pulp.LpVariable] = []
    if m.n_x:
        cat: Literal["Continuous", "Integer"] = "Integer" if m.integer else "Continuous"
        columns += prob.add_variable_matrix("x", range(m.n_x), lowBound=0, cat=cat)
    if m.n_z:
        columns += prob.add_variable_matrix("z", range(m.n_z), lowBound=0)
    for j in np.flatnonzero(np.isfinite(m.col_upper)).tolist():
        columns[j].upBound = float(m.col_upper[j])
    cost = m.col_cost.tolist()
    prob.setObjective(pulp.lpSum_vars_coefs(zip(columns, cost, strict=True)))
    for starts, ids, coefs, lower, upper in m.rows:
        terms = list(zip([columns[j] for j in ids.tolist()], coefs.tolist(), strict=True))
        for r, (lo, hi) in enumerate(zip(starts[:-1].tolist(), starts[1:].tolist(), strict=True)):
            expr = pulp.lpSum_vars_coefs(terms[lo:hi])
            low, up = float(lower[r]), float(upper[r])
            if low == up:
                prob.addConstraint(expr == up)
            elif low == -np.inf:
                prob.addConstraint(expr <= up)
            elif up == np.inf:
                prob.addConstraint(expr >= low)
            else:
                raise ValueError("a row with two finite bounds is not one PuLP constraint")
    return prob


def write_model(m: BuiltModel, path: str | Path) -> Path:
    """Write the model of record (`to_problem`) as MPS (`.mps`) or CPLEX LP (`.lp`), for an
    auditor to re-solve in any solver. Money is in millions of rupiah, as HiGHS sees it."""
    path = Path(path)
    if path.suffix.lower() not in (".mps", ".lp"):
        raise ValueError(f"{path.name}: the model is written as .mps or .lp")
    prob = to_problem(m)
    if path.suffix.lower() == ".mps":
        prob.writeMPS(str(path))
    else:
        prob.writeLP(str(path))
    return path
