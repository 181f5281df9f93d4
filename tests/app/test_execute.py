"""The supervisor's progress: by the clock until the solve reports, then the solve's own."""

from __future__ import annotations

import json

from app.execute import Progress


def test_progress_follows_the_clock_until_the_solver_reports() -> None:
    progress = Progress()

    progress.by_clock(elapsed_s=30, time_limit_s=60)
    assert progress.share == 0.5 and progress.phase == "solving (30 s of at most 60 s)"
    progress.from_event(json.dumps({"progress": 0.25, "phase": "pricing the APBD pool"}))
    progress.by_clock(elapsed_s=45, time_limit_s=60)

    assert progress.share == 0.1 + 0.8 * 0.25
    assert progress.phase == "pricing the APBD pool"
    progress.from_event(json.dumps({"progress": 7}))  # out of range: held to the solve's part
    assert progress.share == 0.9 and progress.phase == "solving"
