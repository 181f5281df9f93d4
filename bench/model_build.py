"""What building the LP costs: the solve's arrays against the PuLP model of record.

    python -m bench.model_build [--scale national] [--variant pool_per_kabupaten]

The whole table of a scale as one block (`solver.model.build_model`), timed in three parts, each
the best of `--rounds`:

- **arrays**: the model as the solve builds it, numpy arrays only (what `solver.run` hands HiGHS);
- **HiGHS**: those arrays handed to a fresh `highspy.Highs` (`solver.run.pass_model`), no solve;
- **model of record, public API**: the same LP as a PuLP problem through PuLP's public API only
  (`solver.model.to_problem`: `add_variable_matrix`, `lpSum_vars_coefs`, `addConstraint`), what
  `solver.model.write_model` writes for an auditor;
- **model of record, PuLP's internals**: the same problem made the way `solver/model.py` made it
  before it kept to PuLP's public API (one batch of variables and one batch of terms per row
  through `pulp._rustcore`), for comparison only: the solver never does this. Skipped, with a
  word, when the installed PuLP has other internals.

Both PuLP problems are checked to have the model's numbers of variables, rows and terms. Nothing
asserts a time.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pulp

from bench.instances import SCALES, SEED, build


def _best(rounds: int, make: Callable[[], Any]) -> tuple[float, Any]:
    best, made = np.inf, None
    for _ in range(rounds):
        made = None  # the previous round's objects go before the next is timed
        start = time.perf_counter()
        made = make()
        best = min(best, time.perf_counter() - start)
    return best, made


def private_problem(m: Any) -> pulp.LpProblem | None:
    """The model of record through PuLP 4.2's internals (for comparison; the solver never does
    this). None when the installed PuLP's internals differ."""
    try:
        from pulp import _rustcore
        from pulp.core._internal import _const_to_rust_cat, _const_to_rust_sense
    except ImportError:
        return None
    prob = pulp.LpProblem(m.name, pulp.LpMaximize if m.maximize else pulp.LpMinimize)
    model = prob._model
    cat = pulp.LpInteger if m.integer else pulp.LpContinuous
    model.add_variables_batch([f"x_{i}" for i in range(m.n_x)], 0.0, np.inf, _const_to_rust_cat(cat))
    model.add_variables_batch(
        [f"z_{i}" for i in range(m.n_z)], 0.0, np.inf, _const_to_rust_cat(pulp.LpContinuous)
    )
    for j in np.flatnonzero(np.isfinite(m.col_upper)).tolist():
        model.get_variable(j).set_ub(float(m.col_upper[j]))
    objective = pulp.LpAffineExpression.empty()
    objective._expr.add_term_ids_coeffs(model, np.arange(m.n_x + m.n_z, dtype=np.uint64), m.col_cost)
    prob.setObjective(objective)
    for starts, ids, coefs, lower, upper in m.rows:
        ids = ids.astype(np.uint64)
        for r, (lo, hi) in enumerate(zip(starts[:-1].tolist(), starts[1:].tolist(), strict=True)):
            expr = _rustcore.AffineExpr()
            expr.add_term_ids_coeffs(model, ids[lo:hi], coefs[lo:hi])
            if lower[r] == -np.inf:
                sense, bound = pulp.LpConstraintLE, float(upper[r])
            else:
                sense, bound = pulp.LpConstraintGE, float(lower[r])
            expr.set_constant(-bound)
            expr.set_sense(_const_to_rust_sense(sense))
            model.add_constraint(expr)
    return prob


def _check(prob: pulp.LpProblem, m: Any, terms: int) -> None:
    rows = prob.constraints()
    found = (prob.numVariables(), len(rows), sum(len(row) for row in rows))
    if found != (m.n_x + m.n_z, m.n_rows, terms):
        raise SystemExit(
            f"FAIL: the PuLP problem has {found} (variables, rows, terms), "
            f"the model {(m.n_x + m.n_z, m.n_rows, terms)}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.model_build")
    parser.add_argument("--scale", choices=list(SCALES), default="national")
    parser.add_argument("--variant", default="pool_per_kabupaten")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("bench/results"))
    args = parser.parse_args(argv)
    import scenarios
    from models import Problem
    from solver import build_model, pass_model, prepare, to_problem

    case = next(
        (c for c in build(args.scale, args.work / "instances", SEED) if c.variant == args.variant), None
    )
    if case is None:
        print(f"no variant '{args.variant}' at scale {args.scale}: {SCALES[args.scale]}")
        return 2
    table = scenarios.read_villages(case.villages_csv)
    scenario = scenarios.check_scenario_fits(scenarios.read_scenario(case.scenario_json), table)
    data = prepare(Problem(table=table, scenario=scenario))

    arrays, m = _best(args.rounds, lambda: build_model(data))
    terms = sum(len(ids) for _, ids, _, _, _ in m.rows)
    print(f"{case.name}: {data.n} villages, {m.n_x + m.n_z} columns, {m.n_rows} rows, {terms} terms")
    print(f"  arrays (the solve's model)               {arrays:8.2f} s")

    def hand_over() -> highspy.Highs:
        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        pass_model(highs, m, mip=False)
        return highs

    seconds, _ = _best(args.rounds, hand_over)
    print(f"  handed to HiGHS (pass_model, no solve)   {seconds:8.2f} s")
    seconds, prob = _best(args.rounds, lambda: to_problem(m))
    _check(prob, m, terms)
    print(f"  model of record, PuLP's public API       {seconds:8.2f} s")
    del prob
    seconds, prob = _best(args.rounds, lambda: private_problem(m))
    if prob is None:
        print("  model of record, PuLP's internals        skipped: this PuLP has other internals")
    else:
        _check(prob, m, terms)
        print(f"  model of record, PuLP's internals        {seconds:8.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
