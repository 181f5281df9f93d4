"""The allocation model: PuLP 4 builds it, HiGHS solves it. One public entry: `solve`."""

from solver.solve import solve

__all__ = ["solve"]
