"""The run context: one object carried through a whole solve, from reading to the plan check.

It holds the solve options, the solver's clock, and where progress events go. Every step asks it
how much time is left (`remaining_s`) and tells it how far it is (`report`), so the CLI's progress
bar and a service job's progress come from the same events, not from the clock.

The time limit governs the solving only: the clock starts when the first block is solved
(`start_clock`, called by `solver.solve` once the table is read, prepared and cut into blocks, or
by the first step that asks for the time left), so reading, preparing and writing, whose time
grows with the table and the machine's load, never eat the time the solver was given. Starting
the clock reports the phase "solve" (a service job measures its own hard limit from it:
`app.jobs.run`).

A context crosses into worker processes without its listener (events there are reported by the
parent as the workers' results come back) and with its deadline re-based on the child's clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from models import SolveOptions


@dataclass(frozen=True)
class Progress:
    """One step of a run: `phase` with `done` of `total` units, e.g. ("blocks", 12, 514)."""

    phase: str  # read, prepare, solve (the clock started), blocks, price, preference, check, write
    done: int = 0
    total: int = 0
    detail: str = ""

    @property
    def share(self) -> float | None:
        return self.done / self.total if self.total else None


Listener = Callable[[Progress], None]
# a block's proof takes at least this, whatever its villages: 514 blocks of a national table take
# at most 2 minutes of it, on top of their tenth of the limit
MIN_SHARE_S = 0.25
SHARE_OF_LIMIT = 0.1


class RunContext:
    """The clock and progress listener of one run. `started` is a time.perf_counter() value: when
    the run began (for the seconds a plan reports); the solver's deadline counts from
    `start_clock`."""

    def __init__(
        self,
        options: SolveOptions | None = None,
        listener: Listener | None = None,
        started: float | None = None,
    ) -> None:
        self.options = options or SolveOptions()
        self.listener = listener
        self.started = time.perf_counter() if started is None else started
        self.solving_since: float | None = None  # when the solver's clock started
        self.deadline = float("inf")
        self.villages = 0  # of the whole table: a block's share of the time limit is by villages
        self.timed_out = False  # set by any step that stopped early for the deadline

    def start_clock(self) -> None:
        """Start the solver's time limit now (once: later calls change nothing)."""
        if self.solving_since is not None:
            return
        self.solving_since = time.perf_counter()
        self.deadline = self.solving_since + self.options.time_limit_s
        self.report("solve", 0, 0, "the solver's clock started")

    def remaining_s(self) -> float:
        self.start_clock()
        return self.deadline - time.perf_counter()

    def expired(self) -> bool:
        self.start_clock()
        if time.perf_counter() >= self.deadline:
            self.timed_out = True
        return self.timed_out

    def share_s(self, villages: int) -> float:
        """A block's share of the time limit for proving its whole numbers: SHARE_OF_LIMIT of it,
        shared by villages (at least MIN_SHARE_S), within the time left. A tenth, because a branch
        and bound that cannot close its last millionth of a gap runs to whatever it is given: the
        default limit's 300 s are for the national LP, not for one kabupaten's proof."""
        whole = SHARE_OF_LIMIT * self.options.time_limit_s
        share = whole * villages / self.villages if self.villages else whole
        return min(self.remaining_s(), max(MIN_SHARE_S, share))

    def elapsed_s(self) -> float:
        return time.perf_counter() - self.started

    def report(self, phase: str, done: int = 0, total: int = 0, detail: str = "") -> None:
        if self.listener is not None:
            self.listener(Progress(phase, done, total, detail))

    # worker processes get the options and the time left, not the listener
    def __getstate__(self) -> dict[str, Any]:
        return {"options": self.options, "remaining_s": self.remaining_s(), "villages": self.villages}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.options = state["options"]
        self.listener = None
        self.started = self.solving_since = time.perf_counter()
        self.deadline = self.started + state["remaining_s"]
        self.villages = state.get("villages", 0)
        self.timed_out = False
