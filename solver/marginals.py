"""What one more rupiah buys: per village cap and per APBD pool, in objective points and in workers.

Read from the LP's optimal basis, before the order-of-preference passes change the model:
- objective points per unit of a row's bound: the row's dual;
- new enrolments per unit: the change of the basic enrolment columns, B^-1 e_i summed over them, which
  for every row at once is pi = B^-T 1_x (one transposed solve per block);
- the range over which both rates hold: HiGHS's ranging of the row's bound;
- for each pool, the exact answer too: the LP re-solved warm with the pool raised by Rp1 billion.

Rows are in millions of rupiah, so the rates come out per Rp1 million. For whole-number plans these
figures are those of the LP relaxation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import highspy
import numpy as np

from models import Objective
from solver.model import MONEY_UNIT_IDR, BuiltModel

BILLION_IN_MILLIONS = 1_000.0


@dataclass
class BlockMarginals:
    """Per village of the block (by position) and per pool (by pool index)."""

    value_per_million: np.ndarray  # (n,) objective per Rp1 million more of the village's cap
    workers_per_million: np.ndarray  # (n,)
    range_idr: np.ndarray  # (n,) rupiah more of cap over which the rates hold (inf: no end)
    pools: dict[int, PoolMarginal] = field(default_factory=dict)


@dataclass
class PoolMarginal:
    value_per_million: float
    workers_per_million: float
    range_idr: float
    plus_billion_value: float | None = None  # exact: objective gained with Rp1 billion more
    plus_billion_workers: float | None = None  # exact: new enrolments gained


def lp_marginals(
    highs: highspy.Highs, model: BuiltModel, n: int, objective: Objective, exact_pools: bool = True
) -> BlockMarginals | None:
    """Marginals of the LP HiGHS holds solved to optimality; None if it has no basis to read."""
    if not highs.getBasis().valid:
        # presolve solved it outright and left no factored basis: solve once more without
        highs.setOptionValue("presolve", "off")
        highs.run()
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal or not highs.getBasis().valid:
            return None
    solution = highs.getSolution()
    row_dual = np.asarray(solution.row_dual)
    # rows are per million; a min_cost objective is too, so its rate is rupiah per rupiah
    unit = MONEY_UNIT_IDR if objective == Objective.min_cost else 1.0
    workers = _workers_per_unit(highs, model)
    status, ranging = highs.getRanging()
    lp = highs.getLp()
    row_upper = np.asarray(lp.row_upper_)
    if status == highspy.HighsStatus.kOk:
        up = np.asarray(ranging.row_bound_up.value_)
    else:
        up = np.full(len(row_upper), np.nan)

    def rates(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        value = row_dual[rows] * unit
        count = workers[rows]
        span = (up[rows] - row_upper[rows]) * MONEY_UNIT_IDR
        # HiGHS marks an unbounded range with its infinity (1e30 and beyond)
        span = np.where(up[rows] >= 1e29, np.inf, np.maximum(span, 0.0))
        return value, count, span

    out = BlockMarginals(
        value_per_million=np.zeros(n), workers_per_million=np.zeros(n), range_idr=np.full(n, np.inf)
    )
    if len(model.budget_row_ids):
        value, count, span = rates(model.budget_row_ids)
        out.value_per_million[model.budget_v] = value
        out.workers_per_million[model.budget_v] = count
        out.range_idr[model.budget_v] = span
    if len(model.pool_row_ids):
        value, count, span = rates(model.pool_row_ids)
        for k, row, v, c, s in zip(
            model.pool_k.tolist(),
            model.pool_row_ids.tolist(),
            value.tolist(),
            count.tolist(),
            span.tolist(),
            strict=True,
        ):
            pool = PoolMarginal(value_per_million=v, workers_per_million=c, range_idr=s)
            if exact_pools:
                pool.plus_billion_value, pool.plus_billion_workers = _plus_billion(highs, model, row, unit)
            out.pools[k] = pool
    return out


def _workers_per_unit(highs: highspy.Highs, model: BuiltModel) -> np.ndarray:
    """d(sum of new enrolments) / d(row bound) for every row, in the current basis."""
    _, basic = highs.getBasicVariables()  # type: ignore[attr-defined]
    basic = np.asarray(basic)
    is_x = ((basic >= 0) & (basic < model.n_x)).astype(float)
    if not is_x.any():
        return np.zeros(len(basic))
    _, pi = highs.getBasisTransposeSolve(is_x)  # type: ignore[attr-defined]
    return np.asarray(pi, dtype=float)


def _plus_billion(
    highs: highspy.Highs, model: BuiltModel, row: int, unit: float
) -> tuple[float | None, float | None]:
    """Objective and enrolments gained by one more Rp1 billion in the pool, re-solved warm; the
    model and its optimal basis are put back afterwards."""
    lp = highs.getLp()
    lower, upper = float(lp.row_lower_[row]), float(lp.row_upper_[row])
    basis = highs.getBasis()
    before = np.asarray(highs.getSolution().col_value)[: model.n_x].sum()
    objective = highs.getInfo().objective_function_value
    highs.changeRowBounds(row, lower, upper + BILLION_IN_MILLIONS)
    highs.run()
    gained: tuple[float | None, float | None] = (None, None)
    if highs.getModelStatus() == highspy.HighsModelStatus.kOptimal:
        after = np.asarray(highs.getSolution().col_value)[: model.n_x].sum()
        gained = ((highs.getInfo().objective_function_value - objective) * unit, float(after - before))
    highs.changeRowBounds(row, lower, upper)
    highs.setBasis(basis)
    highs.run()
    return gained
