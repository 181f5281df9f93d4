"""Reading a solution straight from HiGHS."""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from solver.data import Arrays
from solver.model import BuiltModel


def solver_model(model: BuiltModel) -> highspy.Highs:
    """The HiGHS instance that solved the model (`solver.run.run_highs`)."""
    highs = model.highs
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
        """The solution straight from HiGHS's arrays. Column j is the model's column j (the x, then
        the z, as `solver.model` made them); rows are in the order they were added."""
        if highs.getNumCol() != model.n_x + model.n_z:
            raise RuntimeError("HiGHS's columns do not match the model's variables")
        sol = highs.getSolution()
        return cls(
            col_value=np.asarray(sol.col_value),
            col_dual=np.asarray(sol.col_dual),
            row_value=np.asarray(sol.row_value),
            row_dual=np.asarray(sol.row_dual),
        )


def to_cube(model: BuiltModel, data: Arrays, col_value: np.ndarray) -> np.ndarray:
    x = np.zeros((data.n, len(data.groups), len(data.packages)))
    x[model.xv, model.xg, model.xp] = np.maximum(col_value[: model.n_x], 0.0)
    return x
