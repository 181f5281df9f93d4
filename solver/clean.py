"""A solver's plan without its noise: what HiGHS's tolerances leave in it, taken out before the
check and before any figure is read from the plan.

HiGHS keeps each row to 1e-7 of its own unit, and money enters it in millions of rupiah
(`solver.model.MONEY_UNIT_IDR`): a village may spend 0.1 rupiah more than its own money, a pool of
Rp0 may pay a thousandth of a rupiah summed over a thousand villages, a worker may be 1e-12 below
zero. Left in, such dust is reported as spending and read by the check as a broken pool.

What is cleaned, and only within the noise HiGHS's tolerances allow (`NOISE_IDR` a row; a pool
row also collects each of its villages' budget rows): enrolments below zero or below `TINY_WORKERS`
are none; a group's enrolments a hair above its uninsured are scaled to them; a village that
spends less than `NOISE_IDR` in all spends nothing; a village that spends more than its own money
by at most `NOISE_IDR` (and so would draw dust from its pool) is scaled to its own money; a pool
used beyond its money by noise has its villages' draws scaled to it. Scaling the enrolments, not
the rupiah, keeps the money identities exact: every rupiah reported is the premiums of the
enrolments reported. Anything beyond the noise is left as it is, for the check to refuse.
Whole-number plans are only rounded where they are whole to 1e-6 (a MIP's 2.9999999).
"""

from __future__ import annotations

import numpy as np

from solver.data import Arrays

NOISE_IDR = 0.5  # rupiah; HiGHS's own tolerance on a money row is 0.1 (`solver.check`)
TINY_WORKERS = 1e-9
_WHOLE = 1e-6


def clean_plan(data: Arrays, x: np.ndarray) -> np.ndarray:
    """The plan x (n, G, P) without the solver's noise (a new array)."""
    x = _clipped(x, data.integer)
    if data.integer:
        return x
    x = _within_groups(data, x, x.sum(axis=2))
    cost = np.broadcast_to(data.cost_idr, x.shape)
    spend = (x * cost).sum(axis=(1, 2))
    factor = _village_factor(data, spend)
    x *= factor[:, None, None]
    spend = (x * cost).sum(axis=(1, 2))
    x *= _pool_factor(data, spend, data.own_idr)[:, None, None]
    return x


def clean_by_source(data: Arrays, x_src: np.ndarray) -> np.ndarray:
    """The same for a plan by paying source (3, n, G, P), premiums by payer
    (`data.payer_cost_idr`): each source within its cap, the pool within its money."""
    cost = data.payer_cost_idr
    assert cost is not None
    x_src = _clipped(x_src, data.integer)
    if data.integer:
        return x_src
    new = x_src.sum(axis=(0, 3))
    factor = np.where(
        _noise_over(new, data.uninsured, _WHOLE), data.uninsured / np.where(new > 0, new, 1.0), 1.0
    )
    x_src = x_src * factor[None, :, :, None]

    def paid() -> np.ndarray:
        return (x_src * cost[:, None, :, :]).sum(axis=(2, 3))  # (3, n)

    by_source = paid()
    tiny = by_source.sum(axis=0) < NOISE_IDR
    x_src[:, tiny] = 0.0
    for s, cap in ((0, data.cap_dana_desa_idr), (1, data.cap_add_idr)):
        over = _noise_over(by_source[s], cap, NOISE_IDR)
        x_src[s] *= np.where(over, cap / np.where(by_source[s] > 0, by_source[s], 1.0), 1.0)[:, None, None]
    by_source = paid()
    x_src[2] *= _pool_factor(data, by_source[2], np.zeros(data.n))[:, None, None]
    return x_src


def _clipped(x: np.ndarray, integer: bool) -> np.ndarray:
    x = np.where(x > TINY_WORKERS, x, 0.0)
    if integer:
        whole = np.round(x)
        x = np.where(np.abs(x - whole) < _WHOLE, whole, x)
    return x


def _noise_over(value: np.ndarray, bound: np.ndarray, noise: float) -> np.ndarray:
    return (value > bound) & (value - bound <= noise)


def _within_groups(data: Arrays, x: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Each (village, group) a hair over its uninsured workers scaled to them."""
    over = _noise_over(new, data.uninsured, _WHOLE)
    factor = np.where(over, data.uninsured / np.where(new > 0, new, 1.0), 1.0)
    return x * factor[:, :, None]


def _village_factor(data: Arrays, spend: np.ndarray) -> np.ndarray:
    """Per village: 0 for a spend of dust, own / spend for a spend over its own money by noise."""
    own = data.own_idr
    factor = np.ones(data.n)
    over = _noise_over(spend, own, NOISE_IDR)
    factor[over] = own[over] / spend[over]
    factor[(spend > 0) & (spend < NOISE_IDR)] = 0.0
    return factor


def _pool_factor(data: Arrays, spend: np.ndarray, own: np.ndarray) -> np.ndarray:
    """Per village: the factor that brings its pool's use down to the pool, where the pool is used
    beyond its money by no more than the noise of its row and of its villages' rows."""
    draw = np.maximum(spend - own, 0.0)
    pools = len(data.pool_idr)
    used = np.bincount(data.pool_of, weights=draw, minlength=pools)
    drawing = np.bincount(data.pool_of, weights=(draw > 0).astype(float), minlength=pools)
    over = (used > data.pool_idr) & (used - data.pool_idr <= NOISE_IDR * (1.0 + drawing))
    factor = np.ones(data.n)
    if not over.any():
        return factor
    keep = np.where(over, data.pool_idr / np.where(used > 0, used, 1.0), 1.0)[data.pool_of]
    scaled = (draw > 0) & over[data.pool_of]
    factor[scaled] = (own[scaled] + draw[scaled] * keep[scaled]) / spend[scaled]
    return factor
