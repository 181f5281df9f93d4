"""Which of the equally good plans: one order of preference, for both objectives, across the plan.

1. the optimal objective (the LP itself, pass 1);
2. among those, the least APBD pool money;
3. among those, the fewest rupiah (for `min_cost` the objective already is the rupiah);
4. among those, the even sharing: the least sum over x[v,g,p]^2 / U[v,g]. Where groups and villages
   are equally valued, each gets the same share of its uninsured workers enrolled, as far as its
   budget, floors and the pool allow (in proportion to its uninsured workers).

Passes 2 and 3 are LPs on the optimal face of the pass before, in the HiGHS model already solved: by
complementary slackness a plan is optimal for a pass exactly when every column with a non-zero reduced
cost stays at its bound and every row with a non-zero dual stays tight, so those are fixed, the costs
change, and HiGHS re-solves from the basis it has. Pass 4 is a strictly convex QP on the face that is
left, so its answer is unique and the plan does not depend on the order of the table's rows or
columns. It is solved by Clarabel (interior point) on the free columns only: HiGHS's own QP method
(active set) takes minutes on faces Clarabel solves in milliseconds.

Each pass is kept only if it does not cost the passes before it more than `SLACK` (relative, numerics);
if a pass fails or the deadline comes first, the plan of the last completed pass stands and the result
says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import clarabel
import highspy
import numpy as np
import scipy.sparse as sp

from models import Objective
from solver.context import RunContext
from solver.data import Arrays
from solver.model import MONEY_UNIT_IDR, BuiltModel

# a pass may cost the passes before it at most this much (relative) to numerics; the QP's interior
# point answer sits within about 1e-9 of the face
SLACK = 1e-8
# reduced costs and duals below this are zero (HiGHS's own dual feasibility tolerance)
DUAL_EPS = 1e-7
_QP_TOL = 1e-10


@dataclass
class Preferred:
    col_value: np.ndarray  # HiGHS's columns (x, then z) of the preferred plan
    passes_done: int  # 1..4: how far down the order of preference the plan got
    complete: bool  # every pass that applies ran


def prefer(highs: highspy.Highs, model: BuiltModel, data: Arrays, run: RunContext,
           also_fix: np.ndarray | None = None) -> Preferred:
    """Walk down the order of preference from the optimal plan HiGHS holds.

    `also_fix`: columns held where they are (a part of the pool's price decomposition keeps its
    villages' pool money). Changes the HiGHS model in place."""
    n_cols = highs.getNumCol()
    col_value = np.asarray(highs.getSolution().col_value).copy()
    if also_fix is not None and len(also_fix):
        fixed = also_fix.astype(np.int32)
        highs.changeColsBounds(len(fixed), fixed, col_value[fixed], col_value[fixed])
    measures = [_objective_measure(model, data)]
    passes = [(_pool_measure(model), model.n_z > 0 and (also_fix is None or len(also_fix) < model.n_z))]
    if data.objective == Objective.max_protection:
        passes.append((_rupiah_measure(model, data), True))
    else:
        passes.append((_rupiah_measure(model, data), False))  # the objective itself
    done = 1
    for cost, applies in passes:
        if applies:
            if run.expired():
                return Preferred(col_value, done, complete=False)
            _fix_face(highs)
            second = _minimise(highs, cost, run)
            if second is None or not _keeps(measures, col_value, second):
                return Preferred(col_value, done, complete=False)
            col_value = second
        measures.append(cost)
        done += 1
    if run.expired():
        return Preferred(col_value, done, complete=False)
    _fix_face(highs)
    shared = _even_sharing(highs, model, data, col_value, run)
    if shared is None or not _keeps(measures, col_value, shared):
        return Preferred(col_value, done, complete=False)
    assert len(shared) == n_cols
    return Preferred(shared, 4, complete=True)


def _objective_measure(model: BuiltModel, data: Arrays) -> np.ndarray:
    """The pass-1 objective as a cost to minimise over HiGHS's columns."""
    sign = -1.0 if data.objective == Objective.max_protection else 1.0
    return np.concatenate([sign * model.objective_coef, np.zeros(model.n_z)])


def _pool_measure(model: BuiltModel) -> np.ndarray:
    return np.concatenate([np.zeros(model.n_x), np.ones(model.n_z)])


def _rupiah_measure(model: BuiltModel, data: Arrays) -> np.ndarray:
    return np.concatenate([data.cost_idr[model.xp] / MONEY_UNIT_IDR, np.zeros(model.n_z)])


def _keeps(measures: list[np.ndarray], before: np.ndarray, after: np.ndarray) -> bool:
    """The new plan is as good as the old on every earlier measure (within SLACK)."""
    for cost in measures:
        old, new = float(cost @ before), float(cost @ after)
        if new > old + SLACK * max(1.0, abs(old)):
            return False
    return True


def _fix_face(highs: highspy.Highs) -> None:
    """Hold columns with non-zero reduced cost at their bound and rows with non-zero dual tight."""
    sol = highs.getSolution()
    lp = highs.getLp()
    col_value, col_dual = np.asarray(sol.col_value), np.asarray(sol.col_dual)
    lower, upper = np.asarray(lp.col_lower_), np.asarray(lp.col_upper_)
    cols = np.nonzero((np.abs(col_dual) > DUAL_EPS) & (lower < upper))[0]
    if len(cols):
        at = _nearest(col_value[cols], lower[cols], upper[cols])
        highs.changeColsBounds(len(cols), cols.astype(np.int32), at, at)
    row_value, row_dual = np.asarray(sol.row_value), np.asarray(sol.row_dual)
    row_lower, row_upper = np.asarray(lp.row_lower_), np.asarray(lp.row_upper_)
    rows = np.nonzero((np.abs(row_dual) > DUAL_EPS) & (row_lower < row_upper))[0]
    if len(rows):
        at = _nearest(row_value[rows], row_lower[rows], row_upper[rows])
        highs.changeRowsBounds(len(rows), rows.astype(np.int32), at, at)  # type: ignore[attr-defined]


def _nearest(value: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.where(np.abs(value - lower) <= np.abs(value - upper), lower, upper)


def _minimise(highs: highspy.Highs, cost: np.ndarray, run: RunContext) -> np.ndarray | None:
    n_cols = highs.getNumCol()
    highs.changeColsCost(n_cols, np.arange(n_cols, dtype=np.int32), cost)
    highs.changeObjectiveSense(highspy.ObjSense.kMinimize)
    highs.setOptionValue("time_limit", max(run.remaining_s(), 0.01))
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return np.asarray(highs.getSolution().col_value).copy()


def _even_sharing(highs: highspy.Highs, model: BuiltModel, data: Arrays, col_value: np.ndarray,
                  run: RunContext) -> np.ndarray | None:
    """min sum x^2 / U over the face HiGHS now holds, on its free columns only; None if it fails."""
    lp = highs.getLp()
    lower, upper = np.asarray(lp.col_lower_), np.asarray(lp.col_upper_)
    n_cols = len(lower)
    free = lower < upper - 1e-12
    if not free[: model.n_x].any():
        return col_value
    matrix = lp.a_matrix_
    a = sp.csc_matrix((np.asarray(matrix.value_), np.asarray(matrix.index_),
                       np.asarray(matrix.start_)), shape=(lp.num_row_, n_cols))
    held = np.where(free, 0.0, np.clip(col_value, lower, upper))
    a_free = a[:, free].tocsr()
    involved = np.diff(a_free.indptr) > 0
    a_free = a_free[involved]
    rest = (a @ held)[involved]
    row_lower = np.asarray(lp.row_lower_)[involved] - rest
    row_upper = np.asarray(lp.row_upper_)[involved] - rest
    col_lo, col_up = lower[free], upper[free]
    n_free = int(free.sum())

    equal = row_lower >= row_upper - 1e-12
    le = ~equal & np.isfinite(row_upper)
    ge = ~equal & np.isfinite(row_lower)
    has_up, has_lo = np.isfinite(col_up), np.isfinite(col_lo)
    eye = sp.identity(n_free, format="csr")
    blocks = [a_free[equal], a_free[le], -a_free[ge], -eye[has_lo], eye[has_up]]
    rhs = [row_upper[equal], row_upper[le], -row_lower[ge], -col_lo[has_lo], col_up[has_up]]
    a_qp = sp.vstack(blocks).tocsc()
    b_qp = np.concatenate(rhs)
    cones = [clarabel.ZeroConeT(int(equal.sum())),
             clarabel.NonnegativeConeT(int(le.sum() + ge.sum() + has_lo.sum() + has_up.sum()))]

    columns = np.nonzero(free)[0]
    is_x = columns < model.n_x
    weight = np.zeros(n_free)
    u = data.uninsured[model.xv[columns[is_x]], model.xg[columns[is_x]]]
    weight[is_x] = 2.0 / np.maximum(u, 1.0)
    hessian = sp.diags(weight, format="csc")
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = _QP_TOL
    settings.time_limit = max(run.remaining_s(), 0.01)
    try:
        solution = clarabel.DefaultSolver(hessian, np.zeros(n_free), a_qp, b_qp, cones,
                                          settings).solve()
    except Exception:  # Clarabel raises on numerically broken data; the LP plan stands
        return None
    if str(solution.status) not in ("Solved", "AlmostSolved"):
        return None
    shared = col_value.copy()
    shared[columns] = np.clip(np.asarray(solution.x), col_lo, col_up)
    return shared
