"""The pool's price decomposition gives the same optimum as solving the block whole."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import CHEAP, JHT, problem, village

from models import SolveOptions, Status
from solver import solve

WHOLE = SolveOptions(price_pool_min_villages=10**9)
PRICED = SolveOptions(price_pool_min_villages=1)


def _problem(n: int, pool: float, seed: int, **extra):
    rng = np.random.default_rng(seed)
    villages = [
        village(
            i + 1,
            {
                "farmers": int(rng.integers(0, 400)),
                "fishers": int(rng.integers(0, 60)),
                "village_officials": int(rng.integers(5, 40)),
            },
            enrolled={"farmers": int(rng.integers(0, 30))},
            dana_desa=float(rng.choice([0.0, rng.uniform(5e8, 2e9)])),
            add=float(rng.uniform(1e8, 6e8)),
            priority=float(rng.choice([1.0, 1.5, 2.0])),
            kabupaten=f"K{i // 40}",
        )
        for i in range(n)
    ]
    return problem(
        villages,
        packages=[CHEAP, JHT],
        group_weights={"fishers": 3.0},
        budget={"dana_desa_share": 0.03, "add_share": 0.05, "apbd_pool_idr": pool},
        targets={"min_coverage": 0.05, "group_min_coverage": {"village_officials": 1.0}},
        **extra,
    )


@pytest.mark.parametrize(("pool", "seed"), [(2e9, 1), (2e10, 2), (1e12, 3)])
def test_priced_pool_matches_the_whole_block(pool: float, seed: int) -> None:
    p = _problem(700, pool, seed)
    whole, priced = solve(p, WHOLE), solve(p, PRICED)
    assert whole.status == priced.status == Status.optimal
    assert priced.check.ok
    assert priced.objective == pytest.approx(whole.objective, rel=1e-7)
    assert priced.totals.spend_apbd_idr <= pool * (1 + 1e-9)
    # the pool's price is its marginal value: both paths agree within the LP's degeneracy
    assert priced.pools[0].marginal_value_per_million == pytest.approx(
        whole.pools[0].marginal_value_per_million, rel=0.05
    )


def test_priced_pool_with_whole_workers() -> None:
    p = _problem(400, 5e9, 4, integer=True)
    whole, priced = solve(p, WHOLE), solve(p, PRICED)
    assert priced.status == Status.optimal and priced.check.ok
    assert priced.lp_bound == pytest.approx(whole.lp_bound, rel=1e-7)
    assert priced.gap_to_lp_bound < 0.01


def test_priced_pool_with_every_priority_tied() -> None:
    # without a priority column thousands of villages are indifferent at the pool's price: the
    # mix of the bracket's two ends must still spend the pool exactly and be optimal
    rng = np.random.default_rng(11)
    villages = [
        village(
            i + 1,
            {"farmers": int(rng.integers(50, 400)), "traders": int(rng.integers(0, 100))},
            dana_desa=float(rng.choice([0.0, 1e9])),
            kabupaten=f"K{i // 50}",
        )
        for i in range(600)
    ]
    p = problem(villages, packages=[CHEAP, JHT], budget={"dana_desa_share": 0.01, "apbd_pool_idr": 4e9})
    whole, priced = solve(p, WHOLE), solve(p, PRICED)
    assert whole.status == priced.status == Status.optimal and priced.check.ok
    assert priced.objective == pytest.approx(whole.objective, rel=1e-7)
    assert priced.totals.spend_apbd_idr == pytest.approx(4e9, rel=1e-7)
