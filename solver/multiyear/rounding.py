"""Whole workers for a multi-year plan, from its LP."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import numpy as np

from models import Objective
from solver.multiyear.data import _EPS, POOL, Years, _own_cap


class YearModel(Protocol):
    """What rounding reads of a year's LP (`solver.multiyear.model.YearModel`): its accounts
    and, per x column, the village, group, package, account and enrolment year."""

    accounts: list[tuple[int, ...]]
    cv: np.ndarray
    cg: np.ndarray
    cp: np.ndarray
    ca: np.ndarray
    cs: np.ndarray


def round_years(years: Years, m: YearModel, x: np.ndarray) -> np.ndarray | None:
    """Whole workers: the funded counts of each year rounded down (so nobody enrolled is dropped
    later), then the floors of each year bought at the cheapest account and package, then
    (max_protection) the most protection per rupiah with the money left. None when the floors
    cannot be met this way."""
    data, T = years.base, years.T
    coef = data.objective_coef()  # (n, G, P), once: it is built anew on each call
    funded = np.floor(np.cumsum(x, axis=-1) + _EPS)
    x = np.diff(funded, axis=-1, prepend=0.0)
    A, n, G, P = x.shape[:4]
    money = _money_left(years, m.accounts, x)  # own: (A, T, n); pool: (T, K)
    own_left, pool_left = money
    is_pool = [sources == (POOL,) for sources in m.accounts]
    source_of = [sources[0] for sources in m.accounts]
    in_group = x.sum(axis=(0, 3, 4))  # (n, G)

    def affordable(a: int, v: int, g: int, p: int, s: int) -> float:
        most = np.inf
        k = int(data.pool_of[v])
        for t in range(s, T):
            c = years.cost[source_of[a], t, g, p]
            if c <= 0:
                continue
            have = (
                pool_left[t, k]
                if is_pool[a]
                else (own_left[a, t, v] + (pool_left[t, k] if years.uniform else 0.0))
            )
            most = min(most, np.floor((have + _EPS * max(1.0, abs(have))) / c))
        return max(most, 0.0)

    def buy(a: int, v: int, g: int, p: int, s: int, wanted: float) -> float:
        k_max = min(wanted, np.floor(data.uninsured[v, g] - in_group[v, g] + _EPS), affordable(a, v, g, p, s))
        if k_max <= 0:
            return 0.0
        x[a, v, g, p, s] += k_max
        in_group[v, g] += k_max
        pool_k = int(data.pool_of[v])
        for t in range(s, T):
            spend = k_max * years.cost[source_of[a], t, g, p]
            if is_pool[a]:
                pool_left[t, pool_k] -= spend
                continue
            own = min(spend, max(own_left[a, t, v], 0.0))
            own_left[a, t, v] -= own
            pool_left[t, pool_k] -= spend - own  # only in the uniform case can this be > 0
        return float(k_max)

    options = [(a, p) for a in range(A) for p in range(P)]

    def cheapest(v: int, g: int, s: int) -> list[tuple[int, int]]:
        return sorted(
            options, key=lambda ap: (years.cost[source_of[ap[0]], s:, g, ap[1]].sum(), ap[0], ap[1])
        )

    def fill(cells: Iterable[tuple[int, int]], t: int, missing: float) -> float:
        """Buy up to `missing` workers in year t over `cells` (village, group) in their order,
        each at its cheapest account and package first; what is still missing."""
        for v, g in cells:
            for a, p in cheapest(v, g, t):
                missing -= buy(a, v, g, p, t, missing)
                if missing <= _EPS:
                    return missing
        return missing

    for t in range(T):  # the floors of each year, bought in that year (the cheapest)
        covered = x[..., : t + 1].sum(axis=(0, 3, 4))  # (n, G)
        for v, g in zip(*np.nonzero(years.group_need > covered + _EPS), strict=True):
            if fill([(int(v), int(g))], t, years.group_need[v, g] - covered[v, g]) > _EPS:
                return None
        covered_v = x[..., : t + 1].sum(axis=(0, 2, 3, 4))
        for v in np.nonzero(years.total_need[t] > covered_v + _EPS)[0].tolist():
            by_value = np.argsort(-coef[v, :, 0], kind="stable").tolist()
            if fill([(v, g) for g in by_value], t, years.total_need[t, v] - covered_v[v]) > _EPS:
                return None
        missing = years.min_new[t] - x[..., : t + 1].sum()
        if missing > _EPS:
            every = ((v, g) for v in range(n) for g in range(G))
            if fill(every, t, missing) > _EPS:
                return None
    if data.objective == Objective.max_protection:
        candidates = []
        for a, v, g, p, s in zip(m.ca, m.cv, m.cg, m.cp, m.cs, strict=True):
            value = float(coef[v, g, p]) * (T - s)
            rupiah = float(years.cost[source_of[a], s:, g, p].sum())
            if value > 0 and rupiah > 0:
                candidates.append((-value / rupiah, int(v), int(g), int(s), int(a), int(p)))
        candidates.sort()
        for _, v, g, s, a, p in candidates:
            buy(a, v, g, p, s, np.inf)
    return x


def _money_left(
    years: Years, accounts: list[tuple[int, ...]], x: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Own accounts' money left (A, T, n) and each pool's (T, K) after paying for x."""
    data, T = years.base, years.T
    funded = np.cumsum(x, axis=-1)
    own = np.zeros((len(accounts), T, data.n))
    pool_left = years.pool.copy()
    for a, sources in enumerate(accounts):
        cost = years.cost[sources[0]]  # (T, G, P)
        spend = np.einsum("vgpt,tgp->tv", funded[a], cost)
        if sources == (POOL,):
            for t in range(T):
                pool_left[t] -= np.bincount(data.pool_of, weights=spend[t], minlength=len(data.pool_names))
            continue
        cap = _own_cap(years, sources)
        own[a] = cap - spend
        if years.uniform:
            over = np.maximum(-own[a], 0.0)
            for t in range(T):
                pool_left[t] -= np.bincount(data.pool_of, weights=over[t], minlength=len(data.pool_names))
            own[a] = np.maximum(own[a], 0.0)
    return own, pool_left
