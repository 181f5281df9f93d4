"""The plan check at national scale: its tolerances follow each row's own scale, so the rounding of
sums over 84,000 villages passes, and a real violation of one rupiah or of one worker is caught."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.instances import GROUPS, village_table
from models import Objective, SolveOptions
from solver.check import check_plan
from solver.clean import clean_plan
from solver.data import Arrays
from solver.extract import split_sources
from solver.fallback import fallback_plan

POOL_IDR = 100e9  # one pool of Rp100 billion for the whole of Indonesia
TOLERANCE = SolveOptions().feasibility_tolerance


@pytest.fixture(scope="module")
def national() -> pd.DataFrame:
    return village_table("national")


def _arrays(table: pd.DataFrame, pool_idr: float) -> Arrays:
    """The contract's arrays of the national table: 3% of dana desa, 10% of ADD, one pool, a
    coverage floor of 10% and half the officials covered, two packages."""
    uninsured = table[[f"uninsured_{g}" for g in GROUPS]].to_numpy(float)
    enrolled = table[[f"enrolled_{g}" for g in GROUPS]].to_numpy(float)
    total = uninsured + enrolled
    floor = np.array([0.0] * 5 + [0.5])
    n = len(table)
    return Arrays(
        groups=list(GROUPS),
        packages=["JKK-JKM", "JKK-JKM-JHT"],
        uninsured=uninsured,
        enrolled=enrolled,
        cap_dana_desa_idr=0.03 * table["dana_desa_idr"].to_numpy(float),
        cap_add_idr=0.1 * table["add_idr"].to_numpy(float),
        priority=table["priority"].to_numpy(float),
        weight=np.ones(len(GROUPS)),
        value=np.array([1.0, 1.3]),
        cost_idr=np.array([16800.0, 36800.0]) * 12,
        pool_of=np.zeros(n, dtype=np.int64),
        pool_idr=np.array([pool_idr]),
        pool_names=[""],
        group_need=np.ceil(np.maximum(0.0, floor[None, :] * total - enrolled) - 1e-9),
        total_need=np.ceil(np.maximum(0.0, 0.1 * total.sum(axis=1) - enrolled.sum(axis=1)) - 1e-9),
        min_new=0.0,
        objective=Objective.max_protection,
        integer=False,
        min_coverage=0.1,
        group_floor=floor,
    )


@pytest.fixture(scope="module")
def plan(national: pd.DataFrame) -> tuple[Arrays, np.ndarray]:
    data = _arrays(national, POOL_IDR)
    x = fallback_plan(data)
    assert x is not None
    # spread over the national pool as a continuous plan spreads it: workers in fractions
    return data, x * (1.0 - 1e-9 * (np.arange(data.n) % 7))[:, None, None]


def test_a_national_plan_that_keeps_every_row_passes(plan: tuple[Arrays, np.ndarray]) -> None:
    data, x = plan
    y, w, z = split_sources(data, x)
    assert z.sum() > 0.9 * POOL_IDR  # the pool is (nearly) all used: its row is a real sum
    check = check_plan(data, x, y, w, z, TOLERANCE)
    assert check.ok, check.violations


def test_one_rupiah_over_a_national_pool_is_caught(plan: tuple[Arrays, np.ndarray]) -> None:
    data, x = plan
    y, w, z = split_sources(data, x)
    data.pool_idr = np.array([z.sum() - 1.0])  # the plan draws one rupiah more than the pool holds
    try:
        check = check_plan(data, x, y, w, z, TOLERANCE)
    finally:
        data.pool_idr = np.array([POOL_IDR])
    assert not check.ok and check.violations[0].startswith("4. pool #0")


def test_one_rupiah_over_a_villages_cap_is_caught(plan: tuple[Arrays, np.ndarray]) -> None:
    data, x = plan
    y, w, z = split_sources(data, x)
    v = int(np.argmax(y))
    y[v] += 1.0  # dana desa pays a rupiah more than the cap, the pool a rupiah less
    z[v] -= 1.0
    check = check_plan(data, x, y, w, z, TOLERANCE)
    assert not check.ok
    assert any(text.startswith(f"3. village #{v}: dana desa") for text in check.violations)


def test_one_worker_short_of_a_national_target_or_a_floor_is_caught(plan: tuple[Arrays, np.ndarray]) -> None:
    data, x = plan
    y, w, z = split_sources(data, x)
    data.min_new = float(x.sum()) + 1.0
    try:
        check = check_plan(data, x, y, w, z, TOLERANCE)
    finally:
        data.min_new = 0.0
    assert not check.ok and check.violations == [check.violations[0]]
    assert check.violations[0].startswith("7. table")

    short = x.copy()
    v = int(np.argmax(data.group_need[:, -1]))
    short[v, -1] = [data.group_need[v, -1] - 1.0, 0.0]  # one official fewer than the floor
    check = check_plan(data, short, *split_sources(data, short), TOLERANCE)
    assert not check.ok and any(text.startswith("6.") for text in check.violations)


def test_cleaning_takes_out_noise_but_never_a_real_violation(plan: tuple[Arrays, np.ndarray]) -> None:
    data, _ = plan
    zero_pool = _arrays_like(data, pool_idr=0.0)
    own_only = fallback_plan(zero_pool)
    assert own_only is not None

    def beyond_own(extra_idr: float) -> np.ndarray:
        """Each village that has room spends all its own money and `extra_idr` more, as a
        continuous plan of farmers does."""
        x = own_only.copy()
        spend = (x * zero_pool.cost_idr).sum(axis=(1, 2))
        more = (zero_pool.own_idr - spend + extra_idr) / zero_pool.cost_idr[0]
        room = zero_pool.uninsured[:, 0] - x[:, 0].sum(axis=1)
        fits = (more > 0) & (more <= room)
        x[fits, 0, 0] += more[fits]
        assert fits.sum() > 20_000
        return x

    dusty = beyond_own(0.1)  # 0.1 rupiah over its own money: dust on a pool of Rp0
    assert not check_plan(zero_pool, dusty, *split_sources(zero_pool, dusty), TOLERANCE).ok
    cleaned = clean_plan(zero_pool, dusty)
    y, w, z = split_sources(zero_pool, cleaned)
    assert check_plan(zero_pool, cleaned, y, w, z, TOLERANCE).ok
    assert z.sum() < 1e-3
    # two rupiah over is no noise: cleaning leaves it for the check
    over = clean_plan(zero_pool, beyond_own(2.0))
    check = check_plan(zero_pool, over, *split_sources(zero_pool, over), TOLERANCE)
    assert not check.ok and check.violations[0].startswith("4. pool #0")


def _arrays_like(data: Arrays, pool_idr: float) -> Arrays:
    """The same villages with another pool and no floors."""
    other = data.subset(np.arange(data.n), with_target=False)
    other.pool_idr = np.array([pool_idr])
    other.group_need, other.total_need = np.zeros_like(data.group_need), np.zeros(data.n)
    other.min_coverage, other.group_floor = 0.0, np.zeros(len(data.groups))
    return other
