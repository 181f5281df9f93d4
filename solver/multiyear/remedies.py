"""The way out of an infeasible multi-year plan: the least change of each lever that makes every year
feasible, each year's change naming its year.

As for one-year plans (`solver.remedies`), each remedy is a bisection on the exact money checks of
`solver.explain`, here run on every year (`Years.year(t)`: year t's money and premiums, its floors
and every earlier year's). Levers that hold every year (a share of dana desa or ADD, a group floor,
the pool of `budget.apbd_pool_idr` grown by `pool_growth`, a floor or target given once) are moved
until every year passes; levers given per year (the pool of year t of a kabupaten, the floor or
target of year t) are moved year by year, one remedy for each year that falls short, each with
its `year`: together they make every year pass. Money is rounded up to the whole rupiah, shares,
floors and targets on the one-year plan's grid.

The money checks of each year are necessary for a plan of every year; continuity (a worker enrolled
is kept funded) can ask for more. So each remedy is then tried on the LP of every year (HiGHS; for
whole-number plans its MIP, to a first plan): a remedy with a plan there is `exact`; one without
says that keeping the workers funded needs more.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from models import Remedy, Scenario, Status, Village
from solver.blocks import split_blocks
from solver.context import RunContext
from solver.data import _floor_need
from solver.explain import explain_infeasibility, rupiah
from solver.multiyear.data import Years
from solver.multiyear.model import _cube as cube
from solver.multiyear.model import build_years_model
from solver.multiyear.rounding import round_years
from solver.remedies import SHARE_STEP, _least, _most, _pool_ceiling
from solver.run import run_highs
from solver.solution import solver_model


def year_label(years: Years, t: int) -> str:
    """ "Year 3 (2028)": year t (0-based) as the plan's explanations name it."""
    fiscal = years.fiscal_years[t]
    return f"Year {t + 1}" + (f" ({fiscal})" if fiscal is not None else "")


def short_years(years: Years, villages: list[Village], strict: bool = False) -> list[int]:
    """The years (0-based) whose money checks fail."""
    return [t for t in range(years.T) if explain_infeasibility(years.year(t), villages, strict)]


def every_year_met(years: Years, villages: list[Village]) -> bool:
    return not short_years(years, villages, strict=True)


def year_remedies(
    years: Years, villages: list[Village], scenario: Scenario, run: RunContext | None = None
) -> list[Remedy]:
    """The least change of each lever that makes every year of the plan pass its money checks
    (canonical arrays and rows), each tried on the LP of every year (`exact` when it has a plan)."""
    short = short_years(years, villages)
    if not short:
        return []
    multi = scenario.multi_year
    assert multi is not None
    out: list[Remedy] = []
    out += _pool_remedies(
        years,
        villages,
        short,
        per_year=multi.apbd_pool_idr is not None,
        growth=np.array(multi.growth("pool_growth")),
    )
    out += _share_remedies(years, villages, scenario)
    out += _floor_remedies(years, villages, short, per_year=multi.min_coverage is not None)
    out += _group_remedies(years, villages)
    out += _target_remedies(years, villages, short, per_year=multi.min_new_enrollments is not None)
    return _tried(years, villages, out, scenario, run or RunContext())


def _named(years: Years, t: int | None, **fields: object) -> Remedy:
    if t is None:
        return Remedy(**fields)  # type: ignore[arg-type]
    message = f"{year_label(years, t)}: {fields.pop('message')}"
    return Remedy(year=t + 1, fiscal_year=years.fiscal_years[t], message=message, **fields)  # type: ignore[arg-type]


def _with_pool(years: Years, pool: np.ndarray) -> Years:
    base = replace(years.base, pool_idr=pool.sum(axis=0))
    return replace(years, base=base, pool=pool)


def _pool_remedies(
    years: Years, villages: list[Village], short: list[int], per_year: bool, growth: np.ndarray
) -> list[Remedy]:
    """Per short year, each kabupaten whose villages' floors fall short (or, for a table-wide
    target, the pools with the most uninsured workers): the least pool of that year that meets
    its own villages' floors (the year's target too where no floor falls short). Where the pools
    grow from `budget.apbd_pool_idr`, also the least pool of year 1 that, grown, meets every year."""
    data = years.base
    needs: dict[int, dict[int, float]] = {}  # kabupaten -> year -> least pool of that year
    out: list[Remedy] = []
    for t in short:
        explained = explain_infeasibility(years.year(t), villages)
        pools = sorted(
            {data.pool_names.index(e.kabupaten or "") for e in explained if e.constraint == "coverage_floors"}
        )
        by_floors = bool(pools)
        if not by_floors:
            room = np.bincount(
                data.pool_of, weights=data.uninsured.sum(axis=1), minlength=len(data.pool_names)
            )
            pools = [int(k) for k in np.argsort(-room, kind="stable")[:5]]
        for k in pools:
            met = _pool_met(years, villages, t, k, by_floors)
            current = float(years.pool[t, k])
            needed = _least(met, current, _pool_ceiling(years.year(t)), 1.0)
            if needed is None:
                continue
            needs.setdefault(k, {})[t] = needed
            name = data.pool_names[k]
            where = f"the APBD pool of {name}" if name else "the APBD pool"
            others = (
                " (its own villages' floors; the other kabupaten short this year need theirs raised too)"
                if by_floors and len(pools) > 1
                else ""
            )
            out.append(
                _named(
                    years,
                    t,
                    lever="apbd_pool",
                    kabupaten=name or None,
                    current=current,
                    needed=needed,
                    message=f"raise {where} from {rupiah(current)} to {rupiah(needed)} "
                    f"(+{rupiah(needed - current)}){others}.",
                )
            )
    if per_year:
        return out
    base_pool = years.pool[0]
    grown: list[Remedy] = []  # first: the pool a planner gives, `budget.apbd_pool_idr`
    for k, by_year in sorted(needs.items()):
        # the least year-1 pool whose growth meets every short year's need
        least = max(by_year[t] / growth[t] for t in by_year)
        needed = float(math.ceil(least - 1e-6))
        while any(needed * growth[t] < by_year[t] - 1e-6 for t in by_year):
            needed += 1.0
        name = data.pool_names[k]
        where = f"the APBD pool of {name}" if name else "the APBD pool"
        grown.append(
            Remedy(
                lever="apbd_pool",
                kabupaten=name or None,
                current=float(base_pool[k]),
                needed=needed,
                message=f"Raise {where} of year 1 (budget.apbd_pool_idr, grown each "
                f"year as set) from {rupiah(float(base_pool[k]))} to "
                f"{rupiah(needed)}: every year's need is met.",
            )
        )
    return grown + out


def _pool_met(
    years: Years, villages: list[Village], t: int, k: int, by_floors: bool
) -> Callable[[float], bool]:
    if by_floors:  # the kabupaten's own villages' floors in year t (floors are per pool)
        members = np.nonzero(years.base.pool_of == k)[0]
        own = years.subset(members)
        own_rows = [villages[v] for v in members.tolist()]

        def met(value: float) -> bool:
            pool = own.pool.copy()
            pool[t, k] = value
            year = _with_pool(own, pool).year(t)
            return not any(
                e.constraint == "coverage_floors"
                for e in explain_infeasibility(replace(year, min_new=0.0), own_rows, strict=True)
            )

        return met

    def whole_year(value: float) -> bool:
        pool = years.pool.copy()
        pool[t, k] = value
        return not explain_infeasibility(_with_pool(years, pool).year(t), villages, strict=True)

    return whole_year


def _share_remedies(years: Years, villages: list[Village], scenario: Scenario) -> list[Remedy]:
    """One share of dana desa or ADD for every year: the least that makes every year pass."""
    multi = scenario.multi_year
    assert multi is not None
    follows = np.array([v.max_share is None for v in villages])
    dd = np.array([v.dana_desa_idr for v in villages], dtype=float)
    add = np.array([v.add_idr for v in villages], dtype=float)
    g_dd = np.array(multi.growth("dana_desa_growth"))[:, None]
    g_add = np.array(multi.growth("add_growth"))[:, None]
    out = []
    for lever, current, words in (
        ("dana_desa_share", scenario.budget.dana_desa_share, "share of dana desa"),
        ("add_share", scenario.budget.add_share, "share of ADD"),
    ):

        def at(share: float, lever: str = lever) -> Years:
            if lever == "dana_desa_share":
                return replace(
                    years, cap_dd=np.where(follows[None, :], share * g_dd * dd[None, :], years.cap_dd)
                )
            return replace(years, cap_add=share * g_add * add[None, :])

        def met(share: float, at: Callable[[float], Years] = at) -> bool:
            return every_year_met(at(share), villages)

        needed = _least(met, current, 1.0, SHARE_STEP)
        out.append(
            Remedy(
                lever=lever,
                current=current,
                needed=needed,
                message=(
                    f"Raise the {words} from {current:.4%} to {needed:.4%} (every year)."
                    if needed is not None
                    else f"No {words} up to 100% alone makes every year feasible."
                ),
            )
        )
    return out


def _with_floors(years: Years, floors: np.ndarray) -> Years:
    total = years.base.uninsured + years.base.enrolled
    need = np.stack(
        [
            _floor_need(f, total.sum(axis=1), years.base.enrolled.sum(axis=1), years.base.integer)
            for f in floors
        ]
    ).reshape(years.T, -1)
    return replace(years, total_need=need, min_coverage=floors)


def _floor_remedies(years: Years, villages: list[Village], short: list[int], per_year: bool) -> list[Remedy]:
    """The coverage floor: the highest every year can meet (given once), or per short year the
    highest that year can meet, with every earlier year's floor at most that (it carries on)."""
    floors = years.min_coverage
    if not floors.max() > 0:
        return []
    if not per_year:
        current = float(floors.max())
        highest = _most(
            lambda f: every_year_met(_with_floors(years, np.full(years.T, f)), villages), current, SHARE_STEP
        )
        return [
            Remedy(
                lever="min_coverage",
                current=current,
                needed=highest,
                message=(
                    f"Lower the coverage floor from {current:.4%} to {highest:.4%}, the "
                    f"highest every year's money can meet."
                    if highest is not None
                    else "Even without a coverage floor no plan exists."
                ),
            )
        ]
    out = []
    for t in short:
        current = float(floors[t])

        def met(f: float, t: int = t) -> bool:
            lowered = floors.copy()
            lowered[: t + 1] = np.minimum(lowered[: t + 1], f)
            return not explain_infeasibility(_with_floors(years, lowered).year(t), villages, strict=True)

        if met(current):  # an earlier year's higher floor carries on into this year
            current = float(floors[: t + 1].max())
        highest = _most(met, current, SHARE_STEP)
        out.append(
            _named(
                years,
                t,
                lever="min_coverage",
                current=current,
                needed=highest,
                message=(
                    f"lower the coverage floor from {current:.4%} to "
                    f"{highest:.4%} (and any earlier year's above it), the highest "
                    f"this year's money can meet."
                    if highest is not None
                    else "even without a coverage floor this year has no plan."
                ),
            )
        )
    return out


def _group_remedies(years: Years, villages: list[Village]) -> list[Remedy]:
    """Each group floor (the same every year): the highest every year can meet."""
    data = years.base
    total = data.uninsured + data.enrolled
    out = []
    for g, group in enumerate(data.groups):
        share = float(data.group_floor[g]) if len(data.group_floor) else 0.0
        if share <= 0:
            continue

        def at(f: float, g: int = g) -> Years:
            need = years.group_need.copy()
            need[:, g] = _floor_need(f, total[:, g], data.enrolled[:, g], data.integer)
            floor = data.group_floor.copy()
            floor[g] = f
            return replace(years, group_need=need, base=replace(data, group_need=need, group_floor=floor))

        def met(floor: float, at: Callable[[float], Years] = at) -> bool:
            return every_year_met(at(floor), villages)

        highest = _most(met, share, SHARE_STEP)
        out.append(
            Remedy(
                lever="group_min_coverage",
                group=group,
                current=share,
                needed=highest,
                message=(
                    f"Lower the floor for {group} from {share:.4%} to {highest:.4%}, the highest "
                    f"every year's money can meet."
                    if highest is not None
                    else f"Even without its floor for {group} no plan exists."
                ),
            )
        )
    return out


def _with_targets(years: Years, targets: np.ndarray) -> Years:
    return replace(years, min_new=targets, base=replace(years.base, min_new=float(targets.max())))


def _target_remedies(years: Years, villages: list[Village], short: list[int], per_year: bool) -> list[Remedy]:
    targets = years.min_new
    if not targets.max() > 0:
        return []
    if not per_year:
        current = float(targets.max())
        highest = _most(
            lambda v: every_year_met(_with_targets(years, np.full(years.T, v)), villages), current, 1.0
        )
        return [
            Remedy(
                lever="min_new_enrollments",
                current=current,
                needed=highest,
                message=(
                    f"Lower the target of new enrolments from {current:,.0f} to "
                    f"{highest:,.0f}, the most every year's money can reach."
                    if highest is not None
                    else "Even without the target no plan exists."
                ),
            )
        ]
    out = []
    for t in short:

        def met(v: float, t: int = t) -> bool:
            lowered = targets.copy()
            lowered[: t + 1] = np.minimum(lowered[: t + 1], v)
            return not explain_infeasibility(_with_targets(years, lowered).year(t), villages, strict=True)

        current = float(targets[: t + 1].max())
        if current <= 0 or met(current):
            continue  # the year falls short on its floors, not on the target
        highest = _most(met, current, 1.0)
        out.append(
            _named(
                years,
                t,
                lever="min_new_enrollments",
                current=current,
                needed=highest,
                message=(
                    f"lower the target of new enrolments from {current:,.0f} to "
                    f"{highest:,.0f} (and any earlier year's above it), the most "
                    f"this year's money can reach."
                    if highest is not None
                    else "even without the target this year has no plan."
                ),
            )
        )
    return out


def _applied(years: Years, remedies: list[Remedy], scenario: Scenario) -> Years:
    """The years with these remedies' values (of one lever)."""
    multi = scenario.multi_year
    assert multi is not None
    growth = np.array(multi.growth("pool_growth"))
    data = years.base
    for r in remedies:
        assert r.needed is not None
        t = None if r.year is None else r.year - 1
        if r.lever == "apbd_pool":
            k = data.pool_names.index(r.kabupaten or "")
            pool = years.pool.copy()
            if t is None:
                pool[:, k] = r.needed * growth
            else:
                pool[t, k] = r.needed
            years = _with_pool(years, pool)
        elif r.lever == "min_coverage":
            floors = years.min_coverage.copy()
            floors[: (t + 1) if t is not None else years.T] = np.minimum(
                floors[: (t + 1) if t is not None else years.T], r.needed
            )
            years = _with_floors(years, floors)
        elif r.lever == "min_new_enrollments":
            targets = years.min_new.copy()
            end = (t + 1) if t is not None else years.T
            targets[:end] = np.minimum(targets[:end], r.needed)
            years = _with_targets(years, targets)
    return years


def _tried(
    years: Years, villages: list[Village], remedies: list[Remedy], scenario: Scenario, run: RunContext
) -> list[Remedy]:
    """Each remedy (the per-year ones of a lever together) tried on the LP of every year (whole
    numbers: its MIP): `exact` when it has a plan there. Where it has none, the change is stepped
    on (`_stepped`) until a plan exists, and the figures that have one are given, not `exact`;
    where no step finds one, the message says that continuity asks for more."""
    families: dict[tuple[str, str | None, bool], list[int]] = {}
    for i, r in enumerate(remedies):
        if r.needed is None:
            continue
        # the pools (of a year, or grown) and the per-year floors and targets are one change
        # together; each share and group floor is one change alone
        families.setdefault((r.lever, r.group, r.year is None), []).append(i)
    out = list(remedies)
    for indices in families.values():
        chosen = [remedies[i] for i in indices]
        has_plan = _lp_has_plan(_trial(years, villages, scenario, chosen), run, whole=years.base.integer)
        if has_plan is True:
            continue
        stepped = _stepped(years, villages, scenario, chosen, run) if has_plan is False else None
        for i, r in zip(indices, stepped or chosen, strict=True):
            if stepped is not None:
                out[i] = r.model_copy(
                    update={
                        "exact": False,
                        "message": r.message.rstrip(".") + f": not enough to keep every worker "
                        f"funded across the years{' in whole workers' if years.base.integer else ''}; "
                        f"{_value_words(r)} is (a plan exists there; the least change may be "
                        f"smaller).",
                    }
                )
            else:
                out[i] = out[i].model_copy(
                    update={
                        "exact": False,
                        "message": out[i].message
                        + (
                            " Every year's money checks are met there, but keeping every worker funded "
                            "across the years needs more."
                            if has_plan is False
                            else ""
                        ),
                    }
                )
    return out


def _value_words(r: Remedy) -> str:
    assert r.needed is not None
    if r.lever == "apbd_pool":
        return rupiah(r.needed)
    if r.lever == "min_new_enrollments":
        return f"{r.needed:,.0f}"
    return f"{r.needed:.4%}"


def _trial(years: Years, villages: list[Village], scenario: Scenario, chosen: list[Remedy]) -> Years:
    if chosen[0].lever in ("dana_desa_share", "add_share", "group_min_coverage"):
        return _shares_or_groups(years, villages, scenario, chosen[0])
    return _applied(years, chosen, scenario)


_STEPS = 8  # steps of a remedy on to a plan, each 4 times the last
_REFINE = 8  # then halvings of the gap between the last step without a plan and the first with


def _stepped(
    years: Years, villages: list[Village], scenario: Scenario, chosen: list[Remedy], run: RunContext
) -> list[Remedy] | None:
    """The remedies of one lever moved on together, by one unit (a worker's premiums over the plan
    for a pool, 0.01 percentage points for a share or floor, one worker for a target), then 4, 16,
    ... units, until the LP (whole numbers: the rounded plan) of every year has a plan, then the
    gap to the step before halved `_REFINE` times; None if none of `_STEPS` steps has one or the
    time runs out."""
    lever = chosen[0].lever
    unit = {
        "apbd_pool": float(years.cost.max()) * years.T,
        "dana_desa_share": 1e-4,
        "add_share": 1e-4,
        "min_coverage": -1e-4,
        "group_min_coverage": -1e-4,
        "min_new_enrollments": -1.0,
    }[lever]

    def moved(units: float) -> list[Remedy]:
        out = []
        for r in chosen:
            assert r.needed is not None
            value = r.needed + unit * units
            if lever == "apbd_pool":
                value = float(math.ceil(value))
            elif lever == "min_new_enrollments":
                value = max(0.0, float(math.floor(value)))
            else:
                value = min(1.0, max(0.0, round(value, 6)))
            out.append(r.model_copy(update={"needed": value}))
        return out

    def has_plan(units: float) -> bool | None:
        return _lp_has_plan(_trial(years, villages, scenario, moved(units)), run, whole=years.base.integer)

    short = 0.0
    for step in range(_STEPS):
        found = has_plan(4.0**step)
        if found is None:
            return None
        if found:
            enough = 4.0**step
            for _ in range(_REFINE):  # then halve the gap to the last step without a plan
                middle = (short + enough) / 2
                found = has_plan(middle)
                if found is None:
                    break
                short, enough = (short, middle) if found else (middle, enough)
            return moved(enough)
        short = 4.0**step
    return None


def _shares_or_groups(years: Years, villages: list[Village], scenario: Scenario, r: Remedy) -> Years:
    assert r.needed is not None
    multi = scenario.multi_year
    assert multi is not None
    data = years.base
    if r.lever == "group_min_coverage":
        g = data.groups.index(r.group or "")
        total = data.uninsured[:, g] + data.enrolled[:, g]
        need = years.group_need.copy()
        need[:, g] = _floor_need(r.needed, total, data.enrolled[:, g], data.integer)
        return replace(years, group_need=need, base=replace(data, group_need=need))
    follows = np.array([v.max_share is None for v in villages])
    if r.lever == "dana_desa_share":
        dd = np.array([v.dana_desa_idr for v in villages], dtype=float)
        rate = np.array(multi.growth("dana_desa_growth"))[:, None]
        return replace(years, cap_dd=np.where(follows[None, :], r.needed * rate * dd[None, :], years.cap_dd))
    add = np.array([v.add_idr for v in villages], dtype=float)
    rate = np.array(multi.growth("add_growth"))[:, None]
    return replace(years, cap_add=r.needed * rate * add[None, :])


def _lp_has_plan(years: Years, run: RunContext, whole: bool = False) -> bool | None:
    """Whether the LP of every year has a plan (False: HiGHS proved none; None: not known in the
    time left). `whole`: whole new enrolments (`_rounded_has_plan`)."""
    if whole:
        return _rounded_has_plan(years, run)
    for villages in split_blocks(years.base):
        sub = years.subset(villages)
        m = build_years_model(sub)
        if not m.n_x:
            continue
        result = run_highs(m.built, run.remaining_s(), threads=run.options.threads, mip=False)
        if result.status == Status.infeasible:
            return False
        if result.status != Status.optimal:
            return None
    return True


def continuity_remedies(
    years: Years, block: np.ndarray, villages: list[Village], scenario: Scenario, run: RunContext
) -> list[Remedy]:
    """Where every year's money checks pass but HiGHS proves that no plan keeps every worker
    funded (a poorer or dearer later year): the least pool of each year, the least pool of year 1
    grown as set, and the least share of dana desa and ADD, each alone, with which the LP of the
    block HiGHS refused (`block`: its villages) has a plan; bisected on that LP."""
    multi = scenario.multi_year
    assert multi is not None
    sub = years.subset(block)
    rows = [villages[v] for v in block.tolist()]

    def has_plan(trial: Years) -> bool:
        return _lp_has_plan(trial, run) is True

    out: list[Remedy] = []
    data = sub.base
    growth = np.array(multi.growth("pool_growth"))
    ceiling = _pool_ceiling(sub.year(0)) * sub.T
    for k in sorted(set(data.pool_of.tolist())):
        name = data.pool_names[k]
        where = f"the APBD pool of {name}" if name else "the APBD pool"
        if multi.apbd_pool_idr is None:

            def grown(value: float, k: int = k) -> bool:
                pool = sub.pool.copy()
                pool[:, k] = value * growth
                return has_plan(_with_pool(sub, pool))

            current = float(sub.pool[0, k])
            needed = _least(grown, current, ceiling, 1.0)
            if needed is not None:
                out.append(
                    Remedy(
                        lever="apbd_pool",
                        kabupaten=name or None,
                        current=current,
                        needed=needed,
                        message=f"Raise {where} of year 1 (budget.apbd_pool_idr, grown each year as "
                        f"set) from {rupiah(current)} to {rupiah(needed)}: then every worker "
                        f"enrolled can be kept funded.",
                    )
                )
        for t in range(sub.T):

            def of_year(value: float, k: int = k, t: int = t) -> bool:
                pool = sub.pool.copy()
                pool[t, k] = value
                return has_plan(_with_pool(sub, pool))

            current = float(sub.pool[t, k])
            needed = _least(of_year, current, ceiling, 1.0)
            if needed is not None:
                out.append(
                    _named(
                        sub,
                        t,
                        lever="apbd_pool",
                        kabupaten=name or None,
                        current=current,
                        needed=needed,
                        message=f"raise {where} from {rupiah(current)} to "
                        f"{rupiah(needed)} (+{rupiah(needed - current)}): then "
                        f"every worker enrolled can be kept funded.",
                    )
                )
    follows = np.array([v.max_share is None for v in rows])
    for lever, current, words, name, idr in (
        (
            "dana_desa_share",
            scenario.budget.dana_desa_share,
            "share of dana desa",
            "dana_desa_growth",
            np.array([v.dana_desa_idr for v in rows], dtype=float),
        ),
        (
            "add_share",
            scenario.budget.add_share,
            "share of ADD",
            "add_growth",
            np.array([v.add_idr for v in rows], dtype=float),
        ),
    ):
        rate = np.array(multi.growth(name))[:, None]

        def at(share: float, lever: str = lever, rate: np.ndarray = rate, idr: np.ndarray = idr) -> bool:
            if lever == "dana_desa_share":
                return has_plan(
                    replace(sub, cap_dd=np.where(follows[None, :], share * rate * idr[None, :], sub.cap_dd))
                )
            return has_plan(replace(sub, cap_add=share * rate * idr[None, :]))

        needed = _least(at, current, 1.0, SHARE_STEP)
        out.append(
            Remedy(
                lever=lever,
                current=current,
                needed=needed,
                message=(
                    f"Raise the {words} from {current:.4%} to {needed:.4%} (every year): then "
                    f"every worker enrolled can be kept funded."
                    if needed is not None
                    else f"No {words} up to 100% alone keeps every worker funded."
                ),
            )
        )
    if data.integer:  # the LP's answer: whole workers may need a little more
        out = [r.model_copy(update={"exact": False}) for r in out]
    return out


def _rounded_has_plan(years: Years, run: RunContext) -> bool | None:
    """Whether whole workers have a plan the way the plan first looks for one: the LP's funded
    counts rounded down, the floors and the best workers bought with the money left
    (`round_years`). True: that plan exists (so `solve` finds one); False: the LP has none, or
    the rounding meets no floor (HiGHS's branch and bound might, slowly: it is not run here);
    None: the time ran out."""
    for villages in split_blocks(years.base):
        sub = years.subset(villages)
        m = build_years_model(sub)
        if not m.n_x:
            continue
        result = run_highs(m.built, run.remaining_s(), threads=run.options.threads, mip=False)
        if result.status == Status.infeasible:
            return False
        if result.status != Status.optimal:
            return None
        col = np.asarray(solver_model(m.built).getSolution().col_value)
        if round_years(sub, m, cube(m, sub, col)) is None:
            return False
    return True
