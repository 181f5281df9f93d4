"""Reading a solution straight from HiGHS, and the fewest-rupiah pass on the model HiGHS holds."""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from solver.data import Arrays
from solver.model import MONEY_UNIT_IDR, BuiltModel

# The tie-break pass may lose at most this much of the optimum (relative) to numerics.
TIE_BREAK_SLACK = 1e-9
# Reduced costs and duals below this are zero: such columns and rows stay free in the tie-break.
_DUAL_EPS = 1e-9


def solver_model(model: BuiltModel) -> highspy.Highs:
    """The HiGHS object PuLP solved the model with."""
    highs = model.prob.solverModel
    if not isinstance(highs, highspy.Highs):
        raise RuntimeError("the model has not been solved with HiGHS")
    return highs


@dataclass
class Solution:
    col_value: np.ndarray
    col_dual: np.ndarray
    row_value: np.ndarray
    row_dual: np.ndarray

    @classmethod
    def read(cls, highs: highspy.Highs, model: BuiltModel) -> Solution:
        """The solution straight from HiGHS's arrays. PuLP hands HiGHS the variables that appear in
        the model in creation order (every x and z does: each sits in its village's budget row), so
        column j is model.x[j], then model.z; rows are in the order they were added."""
        if highs.getNumCol() != model.n_x + model.n_z:
            raise RuntimeError("HiGHS's columns do not match the model's variables")
        sol = highs.getSolution()
        return cls(col_value=np.asarray(sol.col_value), col_dual=np.asarray(sol.col_dual),
                   row_value=np.asarray(sol.row_value), row_dual=np.asarray(sol.row_dual))


def to_cube(model: BuiltModel, data: Arrays, col_value: np.ndarray) -> np.ndarray:
    x = np.zeros((data.n, len(data.groups), len(data.packages)))
    x[model.xv, model.xg, model.xp] = np.maximum(col_value[: model.n_x], 0.0)
    return x


def tie_break(highs: highspy.Highs, model: BuiltModel, data: Arrays, solution: Solution,
               optimum: float, x: np.ndarray, deadline: float,
               also_fix: np.ndarray | None = None) -> np.ndarray:
    """Among optimal plans, take one that spends the fewest rupiah.

    By complementary slackness with the optimal duals, a plan is optimal exactly when every column
    with a non-zero reduced cost stays at its bound and every row with a non-zero dual stays tight.
    So we fix those columns and rows in the HiGHS model already solved, change the objective to the
    rupiah spent, and re-solve from the optimal basis. If the objective moved by more than
    TIE_BREAK_SLACK (numerics), or the pass does not finish, the first plan stands.
    """
    n_cols = highs.getNumCol()
    at_bound = np.abs(solution.col_dual) > _DUAL_EPS
    if also_fix is not None:
        at_bound[also_fix] = True
    fixed = np.nonzero(at_bound)[0].astype(np.int32)
    if len(fixed):
        values = solution.col_value[fixed]
        highs.changeColsBounds(len(fixed), fixed, values, values)
    tight = np.nonzero(np.abs(solution.row_dual) > _DUAL_EPS)[0].astype(np.int32)
    if len(tight):
        values = solution.row_value[tight]
        highs.changeRowsBounds(len(tight), tight, values, values)  # type: ignore[attr-defined]
    cost = np.zeros(n_cols)
    cost[: model.n_x] = data.cost_idr[model.xp] / MONEY_UNIT_IDR
    highs.changeColsCost(n_cols, np.arange(n_cols, dtype=np.int32), cost)
    highs.changeObjectiveSense(highspy.ObjSense.kMinimize)
    highs.setOptionValue("time_limit", max(deadline - time.perf_counter(), 0.01))
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return x
    second = np.asarray(highs.getSolution().col_value)
    if second[: model.n_x] @ model.objective_coef < optimum - TIE_BREAK_SLACK * max(1.0, abs(optimum)):
        return x
    return to_cube(model, data, second)


def tie_break_part(highs: highspy.Highs, model: BuiltModel, data: Arrays, deadline: float) -> np.ndarray:
    """The fewest-rupiah pass on a part solved at a pool price, its pool money held where it is."""
    solution = Solution.read(highs, model)
    x = to_cube(model, data, solution.col_value)
    optimum = float(solution.col_value[: model.n_x] @ model.objective_coef)
    z_cols = model.n_x + np.arange(model.n_z)
    return tie_break(highs, model, data, solution, optimum, x, deadline, also_fix=z_cols)
