"""The budget-outcome curves, loaded at their first use: a plain solve never needs
`solver.curves` (nor what it loads), so `solver` binds this thin door to it instead."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from models import Curve, Lever, Problem, SolveOptions


def sweep(
    problem: Problem,
    lever: Lever,
    values: list[float],
    options: SolveOptions | None = None,
    breakpoints: bool = True,
) -> Curve:
    """`solver.curves.sweep`: the plans along a lever's values (see there)."""
    from solver.curves import sweep as curves_sweep

    return curves_sweep(problem, lever, values, options, breakpoints)
