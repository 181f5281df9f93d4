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
columns. It is solved by Clarabel (interior point) on the free columns only (its matrices built by
`solver.csc`, with numpy alone): HiGHS's own QP method
(active set) takes minutes on faces Clarabel solves in milliseconds.

Each pass is kept only if it does not cost the passes before it more than `SLACK` (relative, numerics);
if a pass fails or the deadline comes first, the plan of the last completed pass stands and the result
says so.

A pass whose measure is constant on the face is not run: it could not move the plan, and it would
hold nothing new (its duals are those of the rows already held). The pool money is constant when
every pool with a free z has its row held; the rupiah are when, besides, every village with a free
column has its budget row held (rupiah = the held budget rows + the pool money). With pools that
bind, as in most plans, the pool pass goes; the plan is the same to the last digit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np

from models import Objective
from solver.context import RunContext
from solver.csc import Csc, Entries, diagonal
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
    skipped: int = 0  # passes 2-3 not run: their measure was constant on the face


@dataclass
class _Face:
    """The LP HiGHS holds (its matrix as at the start) and its bounds as the passes hold them:
    kept here as they change, since reading them back from HiGHS copies the whole LP."""

    lp: highspy.HighsLp
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray

    @classmethod
    def of(cls, highs: highspy.Highs) -> _Face:
        lp = highs.getLp()
        return cls(
            lp,
            np.array(lp.col_lower_),
            np.array(lp.col_upper_),
            np.array(lp.row_lower_),
            np.array(lp.row_upper_),
        )

    def fix_cols(self, highs: highspy.Highs, cols: np.ndarray, at: np.ndarray) -> None:
        highs.changeColsBounds(len(cols), cols.astype(np.int32), at, at)
        self.col_lower[cols] = self.col_upper[cols] = at

    def fix_rows(self, highs: highspy.Highs, rows: np.ndarray, at: np.ndarray) -> None:
        highs.changeRowsBounds(len(rows), rows.astype(np.int32), at, at)  # type: ignore[attr-defined]
        self.row_lower[rows] = self.row_upper[rows] = at


@dataclass
class Passes:
    """Passes 2 and 3 of a model: each pass's cost over HiGHS's columns, whether it applies, and
    when its measure is constant on a face (then it is not run)."""

    pool: np.ndarray
    pool_applies: bool
    pool_constant: Callable[[_Face], bool]
    rupiah: np.ndarray
    rupiah_applies: bool
    rupiah_constant: Callable[[_Face], bool]


def contract_passes(model: BuiltModel, data: Arrays, also_fix: np.ndarray | None) -> Passes:
    """Passes 2-3 of the contract's model: pool money is its z columns, rupiah its x at c[p]."""
    pools_constant = _pool_money_constant(model, data)
    max_protection = data.objective == Objective.max_protection
    return Passes(
        pool=_pool_measure(model),
        pool_applies=model.n_z > 0 and (also_fix is None or len(also_fix) < model.n_z),
        pool_constant=pools_constant,
        rupiah=_rupiah_measure(model, data),
        rupiah_applies=max_protection,  # for min_cost the objective already is the rupiah
        rupiah_constant=(
            (lambda f: pools_constant(f) and _budgets_held(model, data, f))
            if max_protection
            else pools_constant
        ),
    )


def prefer(
    highs: highspy.Highs,
    model: BuiltModel,
    data: Arrays,
    run: RunContext,
    also_fix: np.ndarray | None = None,
    passes_of: Passes | None = None,
) -> Preferred:
    """Walk down the order of preference from the optimal plan HiGHS holds.

    `also_fix`: columns held where they are (a part of the pool's price decomposition keeps its
    villages' pool money). `passes_of`: passes 2-3 of another model over the same kind of x
    columns (premiums by who pays, `solver.payers`); by default the contract's. Changes the HiGHS
    model in place."""
    n_cols = highs.getNumCol()
    col_value = np.asarray(highs.getSolution().col_value).copy()
    face = _Face.of(highs)
    if also_fix is not None and len(also_fix):
        face.fix_cols(highs, also_fix, col_value[also_fix])
    measures = [_objective_measure(model, data)]
    p = passes_of or contract_passes(model, data, also_fix)
    passes = [(p.pool, p.pool_applies, p.pool_constant), (p.rupiah, p.rupiah_applies, p.rupiah_constant)]
    done, skipped = 1, 0
    for cost, applies, constant in passes:
        if applies:
            if run.expired():
                return Preferred(col_value, done, complete=False, skipped=skipped)
            _fix_face(highs, face)
            if constant(face):
                skipped += 1
            else:
                second = _minimise(highs, cost, run)
                if second is None or not _keeps(measures, col_value, second):
                    return Preferred(col_value, done, complete=False, skipped=skipped)
                col_value = second
        measures.append(cost)
        done += 1
    if run.expired():
        return Preferred(col_value, done, complete=False, skipped=skipped)
    _fix_face(highs, face)
    shared = _even_sharing(model, data, col_value, run, face)
    if shared is None or not _keeps(measures, col_value, shared):
        return Preferred(col_value, done, complete=False, skipped=skipped)
    assert len(shared) == n_cols
    return Preferred(shared, 4, complete=True, skipped=skipped)


def _pool_money_constant(model: BuiltModel, data: Arrays) -> Callable[[_Face], bool]:
    """Whether sum z is constant on a face: every free z is in a pool whose row is held."""
    if len(model.pool_row_ids):
        pool_of_z = data.pool_of[model.zv]
        row_of_z = model.pool_row_ids[np.searchsorted(model.pool_k, pool_of_z)]
    else:  # pool money priced: no pool row
        row_of_z = np.full(model.n_z, -1)

    def constant(face: _Face) -> bool:
        free = face.col_lower[model.n_x :] < face.col_upper[model.n_x :]
        rows = row_of_z[free]
        return bool((rows >= 0).all() and (face.row_lower[rows] >= face.row_upper[rows]).all())

    return constant


def _budgets_held(model: BuiltModel, data: Arrays, face: _Face) -> bool:
    """Every village with a free column has its budget row held."""
    free = face.col_lower < face.col_upper
    has_free = np.zeros(data.n, dtype=bool)
    has_free[model.xv[free[: model.n_x]]] = True
    has_free[model.zv[free[model.n_x :]]] = True
    held = np.zeros(data.n, dtype=bool)
    rows = model.budget_row_ids
    held[model.budget_v] = face.row_lower[rows] >= face.row_upper[rows]
    return not (has_free & ~held).any()


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


def _fix_face(highs: highspy.Highs, face: _Face) -> None:
    """Hold columns with non-zero reduced cost at their bound and rows with non-zero dual tight."""
    sol = highs.getSolution()
    col_value, col_dual = np.asarray(sol.col_value), np.asarray(sol.col_dual)
    lower, upper = face.col_lower, face.col_upper
    cols = np.nonzero((np.abs(col_dual) > DUAL_EPS) & (lower < upper))[0]
    if len(cols):
        face.fix_cols(highs, cols, _nearest(col_value[cols], lower[cols], upper[cols]))
    row_value, row_dual = np.asarray(sol.row_value), np.asarray(sol.row_dual)
    row_lower, row_upper = face.row_lower, face.row_upper
    rows = np.nonzero((np.abs(row_dual) > DUAL_EPS) & (row_lower < row_upper))[0]
    if len(rows):
        face.fix_rows(highs, rows, _nearest(row_value[rows], row_lower[rows], row_upper[rows]))


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


def _even_sharing(
    model: BuiltModel, data: Arrays, col_value: np.ndarray, run: RunContext, face: _Face
) -> np.ndarray | None:
    """min sum x^2 / U over the face HiGHS now holds, on its free columns only; None if it fails."""
    # loaded here, where a face has free columns: a plan whose optimum is a vertex never needs it
    import clarabel

    lp = face.lp
    lower, upper = face.col_lower, face.col_upper
    n_cols = len(lower)
    free = lower < upper - 1e-12
    if not free[: model.n_x].any():
        return col_value
    matrix = lp.a_matrix_
    a = Entries.of_colwise(
        np.asarray(matrix.start_), np.asarray(matrix.index_), np.asarray(matrix.value_), (lp.num_row_, n_cols)
    )
    held = np.where(free, 0.0, np.clip(col_value, lower, upper))
    n_free = int(free.sum())
    free_at = np.cumsum(free) - 1  # a free column's place among the free ones
    on_free = free[a.cols]
    involved_rows = np.flatnonzero(np.bincount(a.rows[on_free], minlength=lp.num_row_) > 0)
    rest = a.times(held)[involved_rows]
    row_lower = face.row_lower[involved_rows] - rest
    row_upper = face.row_upper[involved_rows] - rest
    col_lo, col_up = lower[free], upper[free]

    equal = row_lower >= row_upper - 1e-12
    le = ~equal & np.isfinite(row_upper)
    ge = ~equal & np.isfinite(row_lower)
    has_up, has_lo = np.isfinite(col_up), np.isfinite(col_lo)
    # the rows of the QP, stacked: the held rows, the <= rows, the >= rows negated, then the
    # free columns' own bounds (-x <= -lower, x <= upper)
    rows, cols, values = [], [], []
    place = np.full(lp.num_row_, -1)
    stacked = 0
    entry_rows, entry_cols, entry_values = a.rows[on_free], free_at[a.cols[on_free]], a.values[on_free]
    for kept, sign in ((equal, 1.0), (le, 1.0), (ge, -1.0)):
        place[involved_rows[kept]] = stacked + np.arange(int(kept.sum()))
        mine = place[entry_rows] >= 0
        rows.append(place[entry_rows[mine]])
        cols.append(entry_cols[mine])
        values.append(sign * entry_values[mine])
        place[involved_rows[kept]] = -1
        stacked += int(kept.sum())
    for bounded, sign in ((has_lo, -1.0), (has_up, 1.0)):
        at = np.flatnonzero(bounded)
        rows.append(stacked + np.arange(len(at)))
        cols.append(at)
        values.append(np.full(len(at), sign))
        stacked += len(at)
    a_qp = Csc.from_entries(
        np.concatenate(rows), np.concatenate(cols), np.concatenate(values), (stacked, n_free)
    )
    rhs = [row_upper[equal], row_upper[le], -row_lower[ge], -col_lo[has_lo], col_up[has_up]]
    b_qp = np.concatenate(rhs)
    cones = [
        clarabel.ZeroConeT(int(equal.sum())),
        clarabel.NonnegativeConeT(int(le.sum() + ge.sum() + has_lo.sum() + has_up.sum())),
    ]

    columns = np.nonzero(free)[0]
    is_x = columns < model.n_x
    weight = np.zeros(n_free)
    u = data.uninsured[model.xv[columns[is_x]], model.xg[columns[is_x]]]
    weight[is_x] = 2.0 / np.maximum(u, 1.0)
    hessian = diagonal(weight)
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = _QP_TOL
    settings.time_limit = max(run.remaining_s(), 0.01)
    try:
        solution = clarabel.DefaultSolver(hessian, np.zeros(n_free), a_qp, b_qp, cones, settings).solve()
    except Exception:  # Clarabel raises on numerically broken data; the LP plan stands
        return None
    if str(solution.status) not in ("Solved", "AlmostSolved"):
        return None
    shared = col_value.copy()
    shared[columns] = np.clip(np.asarray(solution.x), col_lo, col_up)
    return shared


def prefer_measures(
    highs: highspy.Highs,
    model: BuiltModel,
    data: Arrays,
    run: RunContext,
    objective: np.ndarray,
    passes: list[np.ndarray],
) -> Preferred:
    """The order of preference for a model whose measures are not the one-year block's (the
    multi-year LP: premiums by year and account): from the optimal plan HiGHS holds, each of
    `passes` (costs to minimise over HiGHS's columns) minimised on the optimal face of the ones
    before it (fixed by reduced costs and duals, as `prefer` does: no slack), then the even
    sharing on the face that is left. `objective`: pass 1 as a cost to minimise. Changes the HiGHS
    model in place. `model.xv`/`xg` name each x's village and group in `data`."""
    col_value = np.asarray(highs.getSolution().col_value).copy()
    face = _Face.of(highs)
    measures = [objective]
    done = 1
    for cost in passes:
        if run.expired():
            return Preferred(col_value, done, complete=False)
        _fix_face(highs, face)
        second = _minimise(highs, cost, run)
        if second is None or not _keeps(measures, col_value, second):
            return Preferred(col_value, done, complete=False)
        col_value = second
        measures.append(cost)
        done += 1
    if run.expired():
        return Preferred(col_value, done, complete=False)
    _fix_face(highs, face)
    shared = _even_sharing(model, data, col_value, run, face)
    if shared is None or not _keeps(measures, col_value, shared):
        return Preferred(col_value, done, complete=False)
    return Preferred(shared, done + 1, complete=True)
