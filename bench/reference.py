"""The reference: contract section 3 as one sparse matrix handed to HiGHS (highspy) directly.

Columns, village v of n, group g of G, package p of P:
    x[v,g,p] at (v*G + g)*P + p,  then y[v], w[v], z[v] at n*G*P + {0, n, 2n} + v.
Rows:
    1. sum_p x[v,g,p] <= U[v,g]                                   (n*G rows)
    2. sum_{g,p} c[p] x[v,g,p] - y[v] - w[v] - z[v] = 0             (n rows)
    3. y[v] <= s[v] DD[v], w[v] <= a A[v]                          (column bounds)
    4. sum_{v in k} z[v] <= pool[k]                                 (one row per pool)
    5. sum_{g,p} x[v,g,p] >= min_coverage sum_g (E+U) - sum_g E     (n rows, when the floor is > 0)
    6. sum_p x[v,g,p] >= share_g (E+U)[v,g] - E[v,g]               (n rows per floored group)
    7. sum x >= min_new_enrollments                                (one row, when > 0)
Objective max_protection: max sum priority[v] weight[g] value[p] x; min_cost: min sum y + w + z.

Built with numpy and scipy only (no loops over villages), independent of the project's own readers,
so its objective is a yardstick for the planner's.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp

INF = highspy.kHighsInf


@dataclass
class ReferenceLp:
    """The LP in column-wise form, plus what a decomposition needs to find its blocks."""

    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    matrix: sp.csc_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    maximize: bool
    n_villages: int
    n_groups: int
    n_packages: int
    kabupaten_of_village: np.ndarray  # pool index per village
    pool_idr: np.ndarray  # per pool index


def read_inputs(villages_csv: Path, scenario_json: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    table = pd.read_csv(villages_csv, dtype={"village_code": str, "kabupaten": str})
    table.columns = [c.strip().lower() for c in table.columns]
    return table, json.loads(Path(scenario_json).read_text())


def build_lp(table: pd.DataFrame, scenario: dict[str, Any]) -> ReferenceLp:
    groups = [c.removeprefix("uninsured_") for c in table.columns if c.startswith("uninsured_")]
    packages = scenario["packages"]
    horizon = scenario.get("horizon_months", 12)
    budget = scenario.get("budget", {})
    targets = scenario.get("targets", {})
    n, n_g, n_p = len(table), len(groups), len(packages)
    uninsured = table[[f"uninsured_{g}" for g in groups]].to_numpy(dtype=float)
    enrolled = np.column_stack(
        [
            table[f"enrolled_{g}"].to_numpy(dtype=float) if f"enrolled_{g}" in table else np.zeros(n)
            for g in groups
        ]
    )
    dana_desa = table["dana_desa_idr"].to_numpy(dtype=float)
    add = table["add_idr"].to_numpy(dtype=float) if "add_idr" in table else np.zeros(n)
    priority = table["priority"].to_numpy(dtype=float) if "priority" in table else np.ones(n)
    share = np.full(n, float(budget.get("dana_desa_share", 0.0)))
    if "max_share" in table:
        own = table["max_share"].to_numpy(dtype=float)
        share = np.where(np.isnan(own), share, own)
    premium = np.array([p["monthly_premium_idr"] * horizon for p in packages], dtype=float)
    value = np.array([p.get("value", 1.0) for p in packages], dtype=float)
    weights = scenario.get("group_weights", {})
    weight = np.array([weights.get(g, 1.0) for g in groups], dtype=float)

    kab = table["kabupaten"].astype(str).to_numpy() if "kabupaten" in table else np.full(n, "")
    pool = budget.get("apbd_pool_idr", 0.0)
    if isinstance(pool, dict):
        names, kab_index = np.unique(kab, return_inverse=True)
        pool_idr = np.array([float(pool.get(k, 0.0)) for k in names])
    else:
        kab_index = np.zeros(n, dtype=np.int64)
        pool_idr = np.array([float(pool)])

    n_x = n * n_g * n_p
    n_cols = n_x + 3 * n
    x_village = np.repeat(np.arange(n), n_g * n_p)
    x_group = np.tile(np.repeat(np.arange(n_g), n_p), n)
    x_package = np.tile(np.arange(n_p), n * n_g)
    x_cols = np.arange(n_x)
    y_cols, w_cols, z_cols = n_x + np.arange(n), n_x + n + np.arange(n), n_x + 2 * n + np.arange(n)

    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    lower: list[np.ndarray] = []
    upper: list[np.ndarray] = []
    n_rows = 0

    def add_rows(r: np.ndarray, c: np.ndarray, v: np.ndarray, lo: np.ndarray, up: np.ndarray) -> None:
        nonlocal n_rows
        rows.append(r + n_rows)
        cols.append(c)
        vals.append(v)
        lower.append(lo)
        upper.append(up)
        n_rows += len(lo)

    # 1. availability, one row per (v, g)
    add_rows(x_village * n_g + x_group, x_cols, np.ones(n_x), np.full(n * n_g, -INF), uninsured.ravel())
    # 2. balance: premiums = y + w + z
    funds = np.concatenate([y_cols, w_cols, z_cols])
    add_rows(
        np.concatenate([x_village, np.tile(np.arange(n), 3)]),
        np.concatenate([x_cols, funds]),
        np.concatenate([premium[x_package], -np.ones(3 * n)]),
        np.zeros(n),
        np.zeros(n),
    )
    # 4. pools
    add_rows(kab_index, z_cols, np.ones(n), np.full(len(pool_idr), -INF), pool_idr)
    # 5. coverage floor per village
    min_coverage = float(targets.get("min_coverage", 0.0))
    if min_coverage > 0:
        need = min_coverage * (uninsured.sum(1) + enrolled.sum(1)) - enrolled.sum(1)
        add_rows(x_village, x_cols, np.ones(n_x), need, np.full(n, INF))
    # 6. group floors
    for group, floor in targets.get("group_min_coverage", {}).items():
        if floor <= 0 or group not in groups:
            continue
        j = groups.index(group)
        mask = x_group == j
        need = floor * (uninsured[:, j] + enrolled[:, j]) - enrolled[:, j]
        add_rows(x_village[mask], x_cols[mask], np.ones(n * n_p), need, np.full(n, INF))
    # 7. table-wide enrolments
    min_new = float(targets.get("min_new_enrollments", 0.0))
    if min_new > 0:
        add_rows(np.zeros(n_x, dtype=np.int64), x_cols, np.ones(n_x), np.array([min_new]), np.array([INF]))

    matrix = sp.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_rows, n_cols),
    )
    col_lower = np.zeros(n_cols)
    col_upper = np.full(n_cols, INF)
    col_upper[y_cols] = share * dana_desa
    col_upper[w_cols] = float(budget.get("add_share", 0.0)) * add
    maximize = scenario.get("objective", "max_protection") == "max_protection"
    cost = np.zeros(n_cols)
    if maximize:
        cost[:n_x] = priority[x_village] * weight[x_group] * value[x_package]
    else:
        cost[n_x:] = 1.0
    return ReferenceLp(
        cost=cost,
        col_lower=col_lower,
        col_upper=col_upper,
        matrix=matrix,
        row_lower=np.concatenate(lower),
        row_upper=np.concatenate(upper),
        maximize=maximize,
        n_villages=n,
        n_groups=n_g,
        n_packages=n_p,
        kabupaten_of_village=kab_index,
        pool_idr=pool_idr,
    )


def to_highs(lp: ReferenceLp, options: dict[str, Any] | None = None) -> highspy.Highs:
    """A quiet HiGHS holding the LP, with the given options (default options when None)."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    for key, value in (options or {}).items():
        h.setOptionValue(key, value)
    model = highspy.HighsLp()
    model.num_col_ = lp.matrix.shape[1]
    model.num_row_ = lp.matrix.shape[0]
    model.col_cost_ = lp.cost
    model.col_lower_ = lp.col_lower
    model.col_upper_ = lp.col_upper
    model.row_lower_ = lp.row_lower
    model.row_upper_ = lp.row_upper
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_ = lp.matrix.indptr
    model.a_matrix_.index_ = lp.matrix.indices
    model.a_matrix_.value_ = lp.matrix.data
    model.sense_ = highspy.ObjSense.kMaximize if lp.maximize else highspy.ObjSense.kMinimize
    h.passModel(model)
    return h


@dataclass
class ReferenceResult:
    status: str
    objective: float | None
    read_seconds: float
    build_seconds: float
    solve_seconds: float


def run(villages_csv: Path, scenario_json: Path, options: dict[str, Any] | None = None) -> ReferenceResult:
    """Read, build and solve the reference; the timings exclude nothing but the process start."""
    t0 = time.perf_counter()
    table, scenario = read_inputs(villages_csv, scenario_json)
    t1 = time.perf_counter()
    h = to_highs(build_lp(table, scenario), options)
    t2 = time.perf_counter()
    h.run()
    t3 = time.perf_counter()
    status = h.modelStatusToString(h.getModelStatus())
    objective = h.getInfo().objective_function_value if status == "Optimal" else None
    return ReferenceResult(status, objective, t1 - t0, t2 - t1, t3 - t2)
