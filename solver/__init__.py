"""The allocation model: PuLP 4 builds it, HiGHS solves it. The public surface, declared here.

Everything outside `solver/` reaches the solver through these names (`from solver import ...`),
never through `solver.<module>` (tests/house/test_architecture.py holds this). All are pure functions
on plain data (`models`), so they can run in another process.

- `solve(problem, options) -> Plan`: the plan, checked against every constraint.
- fan-out over processes or machines (`app.processes.fanout`): `split` a problem into its
  independent blocks (`Arrays`), `balanced_batches` of them, `solve_batch` / `solve_blocks`
  (each a `BlockResult`), `assemble` the plan from them; `RunContext` carries the options, the
  deadline and the progress `Listener` (its events are `Progress`).
- insights: `sweep` (a budget-outcome curve along a `models.Lever`), `scenario_at` (the scenario
  at a lever's value), `without_each_floor` (the cost of fairness).
- actuals: `compare_actuals` (what was enrolled against the plan) and `replan` (the months left).
- the model of record: `prepare` (the arrays of a problem), `build_model` (its LP as arrays),
  `to_problem` / `write_model` (the same LP through PuLP's public API, as an MPS or LP file an
  auditor re-solves in any solver), `pass_model` (the arrays handed to HiGHS).
"""

from solver.block import BlockResult
from solver.context import Listener, Progress, RunContext
from solver.data import Arrays, prepare
from solver.fairness import without_each_floor
from solver.levers import scenario_at
from solver.midyear import compare as compare_actuals
from solver.midyear import replan
from solver.model import build_model, to_problem, write_model
from solver.on_demand import sweep  # solver.curves loads at the first sweep
from solver.run import pass_model
from solver.solve import assemble, balanced_batches, solve, solve_batch, solve_blocks, split

__all__ = [
    "solve",
    "Arrays",
    "BlockResult",
    "Listener",
    "Progress",
    "RunContext",
    "assemble",
    "balanced_batches",
    "solve_batch",
    "solve_blocks",
    "split",
    "sweep",
    "scenario_at",
    "without_each_floor",
    "compare_actuals",
    "replan",
    "prepare",
    "build_model",
    "to_problem",
    "write_model",
    "pass_model",
]
