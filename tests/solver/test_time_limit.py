"""The time limit governs the solving: a plan cut short keeps every block that was solved, says how
many were not, and passes the check. The limit is made to come after some blocks by the run's own
clock (the deadline set at a block's progress event), not by timing anything."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from bench.instances import scenario, village_table
from models import Problem, Scenario, SolveOptions, Status, Village, VillageTable
from solver import solve
from solver.context import Progress, RunContext

SOLVED_FIRST = 3


@pytest.fixture(scope="module")
def problem() -> Problem:
    """The first 2,500 villages of the national table, a pool per kabupaten: one block each."""
    table = village_table("national").head(2_500)
    return Problem(
        table=_table(table),
        scenario=Scenario.model_validate(scenario(table, "national", "pool_per_kabupaten")),
    )


def _table(frame: pd.DataFrame) -> VillageTable:
    groups = [c.removeprefix("uninsured_") for c in frame.columns if c.startswith("uninsured_")]
    villages = [
        Village(
            village_code=r["village_code"],
            village_name=r["village_name"],
            kecamatan=r["kecamatan"],
            kabupaten=r["kabupaten"],
            dana_desa_idr=r["dana_desa_idr"],
            add_idr=r["add_idr"],
            uninsured={g: int(r[f"uninsured_{g}"]) for g in groups},
            enrolled={g: int(r[f"enrolled_{g}"]) for g in groups},
            priority=r["priority"],
        )
        for r in frame.to_dict("records")
    ]
    return VillageTable(groups=groups, villages=villages)


def test_a_plan_cut_short_keeps_the_solved_blocks_and_counts_the_rest(problem: Problem) -> None:
    options = SolveOptions(workers=1, time_limit_s=3600)
    full = solve(problem, options)
    assert full.status == Status.optimal and full.blocks > SOLVED_FIRST + 2
    run = RunContext(options)

    def the_limit_comes_after_some_blocks(event: Progress) -> None:
        if event.phase == "blocks" and event.done == SOLVED_FIRST:
            run.deadline = time.perf_counter()  # the time is up from here on

    run.listener = the_limit_comes_after_some_blocks
    cut = solve(problem, run=run)

    assert cut.status == Status.time_limit and cut.check is not None and cut.check.ok
    assert cut.blocks == full.blocks
    assert cut.unsolved_blocks == full.blocks - SOLVED_FIRST
    assert len(cut.fallback_blocks) == cut.unsolved_blocks
    assert f"{cut.unsolved_blocks} of {cut.blocks} blocks" in cut.message
    assert cut.objective is not None and full.objective is not None
    assert cut.objective < full.objective <= cut.lp_bound + 1e-6 * full.objective
    # the blocks solved before the limit keep their optimal plans, village by village
    kept = {v.kabupaten for v in full.villages} - {name.split(" of ", 1)[1] for name in cut.fallback_blocks}
    assert len(kept) == SOLVED_FIRST
    for before, after in zip(full.villages, cut.villages, strict=True):
        if before.kabupaten in kept:
            for group, packages in before.enrollments.items():
                assert after.enrollments[group] == pytest.approx(packages)
            assert after.spend_total_idr == before.spend_total_idr


def test_the_clock_starts_when_the_solving_does(problem: Problem) -> None:
    run = RunContext(SolveOptions(workers=1, time_limit_s=3600))
    phases: list[str] = []
    run.listener = lambda event: phases.append(event.phase)
    assert run.solving_since is None and run.deadline == np.inf  # reading and preparing: no clock

    solve(problem, run=run)

    assert run.solving_since is not None
    assert phases.index("prepare") < phases.index("solve") < phases.index("blocks")
    assert phases.count("solve") == 1
