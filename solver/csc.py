"""Compressed sparse columns as Clarabel reads them, built with numpy alone.

Clarabel takes any matrix with scipy's CSC attributes (`indptr`, `indices`, `data`, `shape`,
`format`, canonical and sorted); the even sharing's QP builds its two matrices here, entry for entry
the ones scipy.sparse built (the same order, the same values), so a plan that needs the QP loads
no scipy (its import costs more than the QP on a kabupaten).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Csc:
    """A canonical CSC matrix: within a column, rows ascending and no duplicate."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    shape: tuple[int, int]
    format: str = "csc"
    has_canonical_format: bool = True
    has_sorted_indices: bool = True

    @property
    def nnz(self) -> int:
        return len(self.data)

    @classmethod
    def from_entries(
        cls, rows: np.ndarray, cols: np.ndarray, values: np.ndarray, shape: tuple[int, int]
    ) -> Csc:
        """From entries with no (row, column) twice, in any order."""
        order = np.lexsort((rows, cols))
        indptr = np.zeros(shape[1] + 1, dtype=np.int64)
        np.cumsum(np.bincount(cols, minlength=shape[1]), out=indptr[1:])
        return cls(indptr, rows[order].astype(np.int64), values[order].astype(float), shape)


def diagonal(values: np.ndarray) -> Csc:
    """diag(values) without its zeros (as `scipy.sparse.diags(values, format="csc")`)."""
    at = np.flatnonzero(values != 0)
    return Csc.from_entries(at, at, values[at], (len(values), len(values)))


@dataclass
class Entries:
    """A column-wise matrix (HiGHS's `a_matrix_`) as its entries, in stored order."""

    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    shape: tuple[int, int]

    @classmethod
    def of_colwise(
        cls, start: np.ndarray, index: np.ndarray, value: np.ndarray, shape: tuple[int, int]
    ) -> Entries:
        cols = np.repeat(np.arange(shape[1]), np.diff(start))
        return cls(np.asarray(index, dtype=np.int64), cols, np.asarray(value, dtype=float), shape)

    def times(self, x: np.ndarray) -> np.ndarray:
        """A x, summed in the stored order (as scipy's column-wise product does)."""
        return np.bincount(self.rows, weights=self.values * x[self.cols], minlength=self.shape[0])
