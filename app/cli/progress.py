"""The command line's progress bar on stderr, fed by the solver's progress events (tqdm).

Quiet when stderr is not a terminal, with --quiet, and for small tables (they solve in a blink).
"""

from __future__ import annotations

import shutil
import sys
from typing import TextIO

from tqdm import tqdm

from solver import Progress

_PHASES = {
    "read": "reading",
    "prepare": "preparing",
    "blocks": "blocks solved",
    "price": "pool price",
    "preference": "settling ties",
    "check": "checking",
    "write": "writing",
}


class ProgressBar:
    """A listener for `solver.context.RunContext`: one bar per phase, once the solver has said
    (in its "prepare" event) that the table has at least `min_villages` villages."""

    def __init__(
        self, enabled: bool = True, min_villages: int = 0, stream: TextIO | None = None, force: bool = False
    ) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled and (force or self.stream.isatty())
        self.min_villages = min_villages
        self.large = False
        self._bar: tqdm | None = None
        self._phase = ""

    def __call__(self, event: Progress) -> None:
        if not self.enabled:
            return
        if event.phase == "prepare":
            self.large = event.total >= self.min_villages
            return
        if not self.large or event.phase == "solve":  # the solver's clock started: no bar
            return
        if event.phase != self._phase or self._bar is None:
            self.close()
            self._phase = event.phase
            # a terminal that reports no size (0 x 0) gets 80 x 24; tqdm would hide its bar there
            size = shutil.get_terminal_size(fallback=(80, 24))
            self._bar = tqdm(
                total=event.total or None,
                desc=_PHASES.get(event.phase, event.phase),
                file=self.stream,
                leave=False,
                ncols=size.columns,
                nrows=size.lines,
            )
        bar = self._bar
        if event.total and bar.total != event.total:
            bar.total = event.total
        bar.n = event.done
        if event.detail:
            bar.set_postfix_str(event.detail, refresh=False)
        bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
