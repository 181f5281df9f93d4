"""Data preparation: the village table and scenario as numpy arrays, the form every later step uses.

Everything here is plain data (numpy arrays and floats) so a block of villages can be handed to another
process without pydantic objects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import chain

import numpy as np

from models import InputIssue, Objective, Problem, Scenario, ScenarioError
from models.rules import FundingSource

# the paying sources, in the order of `Arrays.payer_cost_idr`'s first axis
SOURCES = (FundingSource.dana_desa, FundingSource.add, FundingSource.apbd_pool)


@dataclass
class Arrays:
    """One problem as arrays. n villages, G groups, P packages, K pools (kabupaten)."""

    groups: list[str]
    packages: list[str]
    uninsured: np.ndarray  # (n, G) U[v,g]
    enrolled: np.ndarray  # (n, G) E[v,g]
    cap_dana_desa_idr: np.ndarray  # (n,) s[v] * DD[v]
    cap_add_idr: np.ndarray  # (n,) a * A[v]
    priority: np.ndarray  # (n,)
    weight: np.ndarray  # (G,)
    value: np.ndarray  # (P,)
    cost_idr: np.ndarray  # (P,) c[p] = monthly premium x horizon
    pool_of: np.ndarray  # (n,) index of the village's pool in `pool_idr`
    pool_idr: np.ndarray  # (K,)
    pool_names: list[str]  # (K,) kabupaten value of each pool ("" for one table-wide pool)
    group_need: np.ndarray  # (n, G) new enrolments the group floors require (>= 0)
    total_need: np.ndarray  # (n,) new enrolments the coverage floor requires (>= 0)
    min_new: float  # table-wide target of new enrolments
    objective: Objective
    integer: bool
    min_coverage: float = 0.0
    group_floor: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (G,) floor shares
    # (3, G, P) cost of one worker of group g in package p over the horizon when paid from dana desa,
    # ADD or the APBD pool (`SOURCES`), where the contribution rules make it differ by who pays or by
    # the group's sector; None when every source pays `cost_idr` for every group (typed premiums).
    # Then `cost_idr` is the cheapest cost of each package, a bound the money checks can use.
    payer_cost_idr: np.ndarray | None = None

    @property
    def n(self) -> int:
        return int(self.uninsured.shape[0])

    @property
    def own_idr(self) -> np.ndarray:
        """The village's own money for premiums: dana desa cap + ADD cap."""
        return self.cap_dana_desa_idr + self.cap_add_idr

    @property
    def need(self) -> np.ndarray:
        """(n,) new enrolments each village must make to meet every floor."""
        return np.maximum(self.group_need.sum(axis=1), self.total_need)

    def objective_coef(self) -> np.ndarray:
        """(n, G, P) objective coefficient of x[v,g,p]."""
        if self.objective == Objective.min_cost:
            return np.broadcast_to(self.cost_idr, (self.n, len(self.groups), len(self.packages)))
        return self.priority[:, None, None] * self.weight[None, :, None] * self.value[None, None, :]

    def subset(self, villages: np.ndarray, with_target: bool) -> Arrays:
        """The arrays of some villages only (a block). Pools are kept whole and indexed as before."""
        return Arrays(
            groups=self.groups,
            packages=self.packages,
            uninsured=self.uninsured[villages],
            enrolled=self.enrolled[villages],
            cap_dana_desa_idr=self.cap_dana_desa_idr[villages],
            cap_add_idr=self.cap_add_idr[villages],
            priority=self.priority[villages],
            weight=self.weight,
            value=self.value,
            cost_idr=self.cost_idr,
            pool_of=self.pool_of[villages],
            pool_idr=self.pool_idr,
            pool_names=self.pool_names,
            group_need=self.group_need[villages],
            total_need=self.total_need[villages],
            min_new=self.min_new if with_target else 0.0,
            objective=self.objective,
            integer=self.integer,
            min_coverage=self.min_coverage,
            group_floor=self.group_floor,
            payer_cost_idr=self.payer_cost_idr,
        )

    def with_groups(self, order: list[int]) -> Arrays:
        """The same arrays with the groups in another order (`order[i]` is the i-th group's index)."""
        return Arrays(
            groups=[self.groups[g] for g in order],
            packages=self.packages,
            uninsured=self.uninsured[:, order],
            enrolled=self.enrolled[:, order],
            cap_dana_desa_idr=self.cap_dana_desa_idr,
            cap_add_idr=self.cap_add_idr,
            priority=self.priority,
            weight=self.weight[order],
            value=self.value,
            cost_idr=self.cost_idr,
            pool_of=self.pool_of,
            pool_idr=self.pool_idr,
            pool_names=self.pool_names,
            group_need=self.group_need[:, order],
            total_need=self.total_need,
            min_new=self.min_new,
            objective=self.objective,
            integer=self.integer,
            min_coverage=self.min_coverage,
            group_floor=self.group_floor[order] if len(self.group_floor) else self.group_floor,
            payer_cost_idr=(None if self.payer_cost_idr is None else self.payer_cost_idr[:, order, :]),
        )


def _floor_need(
    share: float | np.ndarray, total: np.ndarray, enrolled: np.ndarray, integer: bool
) -> np.ndarray:
    """New enrolments needed for E + new >= share x total; whole workers round up."""
    need = np.maximum(0.0, share * total - enrolled)
    if integer:
        # a hair of slack so 0.2 x 5 = 1.0000000000000002 does not demand two workers
        need = np.ceil(need - 1e-9)
    return np.maximum(need, 0.0)


def check_fits(problem: Problem) -> None:
    """Refuse a scenario that names groups or kabupaten the table does not have."""
    table, scenario = problem.table, problem.scenario
    groups = set(table.groups)
    issues: list[InputIssue] = []
    for group in scenario.group_weights:
        if group not in groups:
            issues.append(
                InputIssue(
                    field=f"group_weights.{group}",
                    message=f"the table has no group '{group}' (its groups: {', '.join(table.groups)})",
                )
            )
    for group in scenario.targets.group_min_coverage:
        if group not in groups:
            issues.append(
                InputIssue(
                    field=f"targets.group_min_coverage.{group}",
                    message=f"the table has no group '{group}' (its groups: {', '.join(table.groups)})",
                )
            )
    pool = scenario.budget.apbd_pool_idr
    if isinstance(pool, dict):
        known = set(table.kabupaten)
        for kab in pool:
            if kab not in known:
                issues.append(
                    InputIssue(
                        field=f"budget.apbd_pool_idr.{kab}",
                        message=f"no village of the table is in kabupaten '{kab}'",
                    )
                )
    if issues:
        raise ScenarioError(issues)


def _per_group(counts: list[dict[str, int]], groups: list[str]) -> np.ndarray:
    """The villages' counts as an (n, groups) array of floats, 0 where a village has none. A
    table read from a file has every group, in the table's order, in every village: its counts
    are read in one pass."""
    n, keys = len(counts), tuple(groups)
    if all(tuple(c) == keys for c in counts):
        flat = chain.from_iterable(map(dict.values, counts))
        return np.fromiter(flat, dtype=float, count=n * len(keys)).reshape(n, len(keys))
    return np.array([[c.get(g, 0) for g in groups] for c in counts], dtype=float).reshape(n, len(keys))


def prepare(problem: Problem) -> Arrays:
    """Turn a (table, scenario) pair into arrays. Raises ScenarioError if they do not fit."""
    check_fits(problem)
    table, scenario = problem.table, problem.scenario
    villages = table.villages
    groups = list(table.groups)
    n = len(villages)

    uninsured = _per_group([v.uninsured for v in villages], groups)
    enrolled = _per_group([v.enrolled for v in villages], groups)
    dana_desa = np.array([v.dana_desa_idr for v in villages], dtype=float)
    add = np.array([v.add_idr for v in villages], dtype=float)
    share = np.array(
        [scenario.budget.dana_desa_share if v.max_share is None else v.max_share for v in villages],
        dtype=float,
    )
    priority = np.array([v.priority for v in villages], dtype=float)

    kab_of_village = [v.kabupaten for v in villages]
    pool = scenario.budget.apbd_pool_idr
    if isinstance(pool, dict):
        pool_names = list(dict.fromkeys(kab_of_village))
        index = {k: i for i, k in enumerate(pool_names)}
        pool_of = np.array([index[k] for k in kab_of_village], dtype=np.int64)
        pool_idr = np.array([float(pool.get(k, 0.0)) for k in pool_names])
    else:
        pool_names = [""]
        pool_of = np.zeros(n, dtype=np.int64)
        pool_idr = np.array([float(pool)])

    targets = scenario.targets
    integer = scenario.integer
    group_floor = np.array([targets.group_min_coverage.get(g, 0.0) for g in groups])
    group_need = _floor_need(group_floor[None, :], uninsured + enrolled, enrolled, integer)
    total_need = _floor_need(
        targets.min_coverage, (uninsured + enrolled).sum(axis=1), enrolled.sum(axis=1), integer
    )
    min_new = float(targets.min_new_enrollments)
    if integer:
        min_new = float(math.ceil(min_new - 1e-9))

    cap_dana_desa, cap_add = share * dana_desa, scenario.budget.add_share * add
    cost, payer_cost = _costs(
        scenario,
        groups,
        [bool((cap_dana_desa > 0).any()), bool((cap_add > 0).any()), bool((pool_idr > 0).any())],
    )
    return Arrays(
        groups=groups,
        packages=[p.code for p in scenario.packages],
        uninsured=uninsured,
        enrolled=enrolled,
        cap_dana_desa_idr=cap_dana_desa,
        cap_add_idr=cap_add,
        priority=priority,
        weight=np.array([scenario.weight(g) for g in groups], dtype=float),
        value=np.array([p.value for p in scenario.packages], dtype=float),
        cost_idr=cost,
        pool_of=pool_of,
        pool_idr=pool_idr,
        pool_names=pool_names,
        group_need=group_need,
        total_need=total_need,
        min_new=min_new,
        objective=scenario.objective,
        integer=integer,
        min_coverage=targets.min_coverage,
        group_floor=group_floor,
        payer_cost_idr=payer_cost,
    )


def _costs(
    scenario: Scenario, groups: list[str], has_money: list[bool]
) -> tuple[np.ndarray, np.ndarray | None]:
    """c[p] for typed premiums; with packages priced by the rules, the cost per source, group and
    package (`Arrays.payer_cost_idr`), unless it is the same for every source that has money and
    every group: then one c[p] again, and the model is exactly the contract's."""
    if not any(p.from_rules for p in scenario.packages):
        return np.array([scenario.annual_cost_idr(p) for p in scenario.packages], dtype=float), None
    sectors = [scenario.group_sectors.get(g, "general") for g in groups]
    cube = np.array(
        [
            [[scenario.cost_idr(p, sector, source) for p in scenario.packages] for sector in sectors]
            for source in SOURCES
        ],
        dtype=float,
    )
    cube = cube.reshape(len(SOURCES), len(groups), len(scenario.packages))
    live = cube[np.array(has_money)] if any(has_money) else cube[:1]
    if live.size and np.all(live == live[:1, :1, :]):
        return live[0, 0].copy(), None
    return live.min(axis=(0, 1)) if live.size else cube.min(axis=(0, 1)), cube
