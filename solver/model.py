"""The allocation LP, built with PuLP 4.

The contract's model (CONTRACT section 3) has, per village, new enrolments x[v,g,p] and three sources
y (dana desa), w (ADD), z (APBD pool) with sum c x = y + w + z, y <= s DD, w <= a A. Because y and w pay
for the same enrolments, they are one resource: we keep only z and write the village's budget as

    sum_{g,p} c[p] x[v,g,p] - z[v] <= s[v] DD[v] + a A[v]

which has exactly the same feasible enrolments and objective. The split into y, w, z is made after the
solve (dana desa first, then ADD, then the pool: see `solver.sources`). Variables that cannot be non-zero
are never created: x only where U[v,g] > 0, z only where the village's pool holds money.

`build_model` reads as the table of contents; each `add_<family>` states its constraint in one line.

The model is recorded as arrays (`BuiltModel.rows`, `col_cost`, `col_upper`), which is what HiGHS is
handed (`solver.run.ArrayHiGHS`). The PuLP problem holds the variables (made in one batch) and the
objective; its rows and upper bounds are added to PuLP's own model only when something reads them
(`ArrayProblem`): `writeLP`, `writeMPS`, `constraints()`, PuLP's own solver adapters. So the solve
never walks rows one by one in Python, and the problem is still the whole PuLP model when asked.

Money enters HiGHS in millions of rupiah (MONEY_UNIT_IDR): premiums of Rp201,600 next to budgets of
Rp1.5 billion are badly scaled for the simplex (HiGHS warns, and takes 3-6 times longer), while in
millions every coefficient lies between 0.1 and a few hundred. So z, the budget and pool rows and their
duals are per million rupiah.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pulp
from pulp import _rustcore
from pulp.core._internal import _const_to_rust_cat, _const_to_rust_sense

from models import Objective
from solver.data import Arrays

MONEY_UNIT_IDR = 1_000_000.0

# one family of rows: starts, column ids, coefficients, lower and upper bounds
RowBlock = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


class ArrayProblem(pulp.LpProblem):
    """A PuLP problem whose rows and column upper bounds are kept as arrays until something reads
    them: then they are added to PuLP's model, in the order they were recorded (so row i is PuLP
    constraint id i), and the problem is the whole model from then on. Counting variables and rows
    (PuLP does after every solve) reads nothing."""

    def __init__(self, name: str = "NoName", sense: int = pulp.LpMinimize) -> None:
        super().__init__(name, sense)
        self.pending_rows: list[RowBlock] = []
        self.pending_upper = np.zeros(0)  # by variable id; inf: none
        self._rows_added = 0  # of pending_rows, handed to PuLP's model

    def record_rows(self, block: RowBlock) -> np.ndarray:
        """Keep one family of rows as arrays; their PuLP constraint ids."""
        first = self.numConstraints()
        self.pending_rows.append(block)
        return np.arange(first, first + len(block[3]), dtype=np.int64)

    def materialise(self) -> None:
        """Hand PuLP's model the rows and upper bounds recorded so far (a Python loop per row and
        variable: for reading and writing the model, never in the solve)."""
        model = self._model
        upper = self.pending_upper
        for j in np.nonzero(np.isfinite(upper))[0].tolist():
            model.get_variable(j).set_ub(float(upper[j]))
        self.pending_upper = np.zeros(0)
        for starts, ids, coefs, lower, upper_rows in self.pending_rows[self._rows_added:]:
            ids = ids.astype(np.uint64)  # PuLP's core takes ids as u64
            for r, (lo, hi) in enumerate(zip(starts[:-1].tolist(), starts[1:].tolist(), strict=True)):
                expr = _rustcore.AffineExpr()
                expr.add_term_ids_coeffs(model, ids[lo:hi], coefs[lo:hi])
                sense, bound = _sense_of(float(lower[r]), float(upper_rows[r]))
                expr.set_constant(-bound)
                expr.set_sense(_const_to_rust_sense(sense))
                model.add_constraint(expr)
            self._rows_added += 1

    def numVariables(self) -> int:
        return int(self._model.num_variables)

    def numConstraints(self) -> int:
        pending = sum(len(block[3]) for block in self.pending_rows[self._rows_added:])
        return int(self._model.num_constraints) + pending


def _sense_of(lower: float, upper: float) -> tuple[int, float]:
    if lower == upper:
        return pulp.LpConstraintEQ, upper
    if lower == -np.inf:
        return pulp.LpConstraintLE, upper
    if upper == np.inf:
        return pulp.LpConstraintGE, lower
    raise ValueError("a row with two finite bounds is not one PuLP constraint")


def _materialising(method: Callable[..., Any]) -> Callable[..., Any]:
    def read(self: ArrayProblem, *args: Any, **kwargs: Any) -> Any:
        self.materialise()
        return method(self, *args, **kwargs)

    read.__name__, read.__doc__ = method.__name__, method.__doc__
    return read


# everything of PuLP's problem that reads or extends its rows or variables first gets them all
for _name in ("constraints", "get_constraint_by_name", "variables", "variablesDict",
              "exported_variables", "writeLP", "writeMPS", "toDataclass", "toDict", "to_dict",
              "toJson", "to_json", "copy", "deepcopy", "coefficients", "valid", "infeasibilityGap",
              "checkDuplicateConstraints", "toRustModel", "addConstraint", "add", "__iadd__",
              "__repr__", "add_column"):
    setattr(ArrayProblem, _name, _materialising(getattr(pulp.LpProblem, _name)))


def add_variable_batch(prob: ArrayProblem, name: str, count: int,
                       cat: Literal["Continuous", "Integer"] = "Continuous") -> np.ndarray:
    """`count` variables `name_0`, `name_1`, ... >= 0 in one call to PuLP's core (named as
    `add_variable_matrix` names them); their ids, which are consecutive."""
    if not count:
        return np.zeros(0, dtype=np.uint64)
    made = prob._model.add_variables_batch([f"{name}_{i}" for i in range(count)], 0.0, np.inf,
                                           _const_to_rust_cat(cat))
    first = made[0].id()
    if made[-1].id() != first + count - 1:
        raise RuntimeError("PuLP numbered a batch of variables out of order")
    return np.arange(first, first + count, dtype=np.uint64)


@dataclass
class BuiltModel:
    prob: ArrayProblem
    xv: np.ndarray  # village (local index) of each x, one per (v, g, p) with U[v,g] > 0, sorted
    xg: np.ndarray  # group of each x
    xp: np.ndarray  # package of each x
    x_start: np.ndarray  # (n+1,) x of village v are columns x_start[v]:x_start[v+1]
    zv: np.ndarray  # village of each z
    objective_coef: np.ndarray  # (n_x,)
    x_ids: np.ndarray  # PuLP ids of x (HiGHS's columns), for building rows from arrays
    z_ids: np.ndarray
    budget_row_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    budget_v: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # their villages
    pool_row_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    pool_k: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # their pools
    # the same model as arrays, recorded while PuLP builds it, for `solver.run.ArrayHiGHS`
    maximize: bool = True
    integer: bool = False
    col_cost: np.ndarray = field(default_factory=lambda: np.zeros(0))
    col_upper: np.ndarray = field(default_factory=lambda: np.zeros(0))
    rows: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = field(
        default_factory=list)  # per family: starts, column ids, coefficients, lower, upper

    @property
    def n_x(self) -> int:
        return len(self.xv)

    @property
    def n_z(self) -> int:
        return len(self.zv)

    def release(self) -> None:
        """Drop PuLP's objects once HiGHS holds the model (a national table has a million variables):
        what is left are the index arrays that map HiGHS's columns and rows back to villages."""
        self.prob = ArrayProblem("released")


def build_model(data: Arrays, mip: bool = False, pool_price: float | None = None) -> BuiltModel:
    """The LP (or MIP, with whole-number x) of one block of villages.

    With `pool_price`, pool money is priced instead of capped: z costs `pool_price` per million
    rupiah in the objective and there is no pool row (the Lagrangian of family 4, see `solver.pool_price`).
    """
    sense = pulp.LpMinimize if data.objective == Objective.min_cost else pulp.LpMaximize
    prob = ArrayProblem("desaplan", sense)
    model = add_variables(prob, data, mip, priced=pool_price is not None)
    model.maximize, model.integer = sense == pulp.LpMaximize, mip
    add_objective(model, data, pool_price)
    add_group_caps(model, data)  # 1
    add_budgets(model, data)  # 2 and 3
    if pool_price is None:
        add_pools(model, data)  # 4
    add_coverage_floors(model, data)  # 5
    add_group_floors(model, data)  # 6
    add_target(model, data)  # 7
    return model


def add_variables(prob: ArrayProblem, data: Arrays, mip: bool, priced: bool = False) -> BuiltModel:
    """x[v,g,p] >= 0 where U[v,g] > 0; z[v] >= 0 where the village's pool is > 0."""
    n_packages = len(data.packages)
    v_idx, g_idx = np.nonzero(data.uninsured > 0)  # row-major: sorted by v then g
    xv = np.repeat(v_idx, n_packages)
    xg = np.repeat(g_idx, n_packages)
    xp = np.tile(np.arange(n_packages), len(v_idx))
    cat: Literal["Continuous", "Integer"] = "Integer" if mip else "Continuous"
    x_ids = add_variable_batch(prob, "x", len(xv), cat)
    x_upper = np.full(len(xv), np.inf)
    if n_packages == 1:
        # with one package the group cap is a bound, not a row
        x_upper = data.uninsured[xv, xg].astype(float)
    x_start = np.searchsorted(xv, np.arange(data.n + 1))

    has_money = data.pool_idr[data.pool_of] > 0
    has_x = x_start[1:] > x_start[:-1]
    zv = np.nonzero(has_money & has_x)[0]
    z_ids = add_variable_batch(prob, "z", len(zv))
    z_upper = np.full(len(zv), np.inf)
    if priced:
        # without a pool row, a village still never takes more than the whole pool
        z_upper = data.pool_idr[data.pool_of[zv]] / MONEY_UNIT_IDR
    coef = data.objective_coef()[xv, xg, xp]
    col_upper = np.concatenate([x_upper, z_upper])
    prob.pending_upper = col_upper  # columns are variable ids: x, then z
    return BuiltModel(prob=prob, xv=xv, xg=xg, xp=xp, x_start=x_start, zv=zv,
                      objective_coef=np.ascontiguousarray(coef, dtype=float),
                      col_upper=col_upper, x_ids=x_ids, z_ids=z_ids)


def add_objective(m: BuiltModel, data: Arrays, pool_price: float | None) -> None:
    """max sum priority[v] weight[g] value[p] x[v,g,p]  |  min sum c[p] x[v,g,p] (= sum y + w + z)."""
    # min_cost is minimised in millions of rupiah; its true objective (rupiah) stays in objective_coef
    scale = MONEY_UNIT_IDR if data.objective == Objective.min_cost else 1.0
    m.col_cost = np.concatenate([m.objective_coef / scale, np.zeros(m.n_z)])
    if pool_price is not None:
        sign = 1.0 if data.objective == Objective.min_cost else -1.0
        m.col_cost[m.n_x:] = sign * pool_price
    objective = pulp.LpAffineExpression.empty()
    objective._expr.add_term_ids_coeffs(m.prob._model, np.concatenate([m.x_ids, m.z_ids]), m.col_cost)
    m.prob.setObjective(objective)


def add_group_caps(m: BuiltModel, data: Arrays) -> None:
    """1. sum_p x[v,g,p] <= U[v,g]."""
    n_packages = len(data.packages)
    if n_packages == 1 or not m.n_x:
        return
    first = np.arange(0, m.n_x, n_packages)
    _add_rows(m, np.append(first, m.n_x), m.x_ids, np.ones(m.n_x),
              data.uninsured[m.xv[first], m.xg[first]], pulp.LpConstraintLE)


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
    m.budget_row_ids = _add_rows(m, bounds.astype(np.int64), ids, coefs,
                                 data.own_idr[villages] / MONEY_UNIT_IDR, pulp.LpConstraintLE)
    m.budget_v = villages


def add_pools(m: BuiltModel, data: Arrays) -> None:
    """4. sum_{v in k} z[v] <= pool[k]."""
    if not m.n_z:
        return
    pool_of_z = data.pool_of[m.zv]
    order = np.argsort(pool_of_z, kind="stable")
    pools, first = np.unique(pool_of_z[order], return_index=True)
    m.pool_row_ids = _add_rows(m, np.append(first, len(order)), m.z_ids[order],
                               np.ones(len(order)), data.pool_idr[pools] / MONEY_UNIT_IDR,
                               pulp.LpConstraintLE)
    m.pool_k = pools.astype(np.int64)


def add_coverage_floors(m: BuiltModel, data: Arrays) -> None:
    """5. sum_{g,p} x[v,g,p] >= min_coverage (E[v] + U[v]) - E[v]  (stored as total_need[v])."""
    villages = np.nonzero(data.total_need > 0)[0]
    if not len(villages):
        return
    lo, lens = m.x_start[villages], m.x_start[villages + 1] - m.x_start[villages]
    offsets = np.cumsum(lens) - lens
    picked = np.arange(lens.sum()) - np.repeat(offsets, lens) + np.repeat(lo, lens)
    _add_rows(m, np.append(offsets, lens.sum()), m.x_ids[picked], np.ones(len(picked)),
              data.total_need[villages], pulp.LpConstraintGE)


def add_group_floors(m: BuiltModel, data: Arrays) -> None:
    """6. sum_p x[v,g,p] >= share[g] (E[v,g] + U[v,g]) - E[v,g]  (stored as group_need[v,g])."""
    n_packages = len(data.packages)
    first = np.arange(0, m.n_x, n_packages)
    need = data.group_need[m.xv[first], m.xg[first]]
    rows = np.nonzero(need > 0)[0]
    if not len(rows):
        return
    picked = (first[rows][:, None] + np.arange(n_packages)[None, :]).ravel()
    _add_rows(m, np.arange(0, len(picked) + 1, n_packages), m.x_ids[picked],
              np.ones(len(picked)), need[rows], pulp.LpConstraintGE)


def add_target(m: BuiltModel, data: Arrays) -> None:
    """7. sum x >= min_new_enrollments."""
    if data.min_new > 0 and m.n_x:
        _add_rows(m, np.array([0, m.n_x]), m.x_ids, np.ones(m.n_x),
                  np.array([data.min_new]), pulp.LpConstraintGE)


def _add_rows(m: BuiltModel, starts: np.ndarray, ids: np.ndarray, coefs: np.ndarray,
              rhs: np.ndarray, sense: int) -> np.ndarray:
    """Add rows sum_k coefs[k] var[ids[k]] (sense) rhs[r] for k in starts[r]:starts[r+1].

    The rows are kept as arrays in `m.rows`, which is what `solver.run.ArrayHiGHS` hands to HiGHS,
    and recorded in the PuLP problem, which adds them to its own model when something reads it.
    Returns the row ids, which are also the rows' positions in HiGHS.
    """
    lower = np.full(len(rhs), -np.inf) if sense == pulp.LpConstraintLE else np.asarray(rhs, float)
    upper = np.asarray(rhs, float) if sense == pulp.LpConstraintLE else np.full(len(rhs), np.inf)
    block = (np.asarray(starts, dtype=np.int64), ids.astype(np.int64), np.asarray(coefs, float),
             lower, upper)
    m.rows.append(block)
    return m.prob.record_rows(block)
