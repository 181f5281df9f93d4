"""What a request takes from the app's state: the job queue `app.main` wired."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.queue.interface import JobQueue


async def get_runner(request: Request) -> JobQueue:
    """Async, as it waits on nothing: no trip through the thread pool."""
    runner: JobQueue = request.app.state.runner
    return runner


RunnerDep = Annotated[JobQueue, Depends(get_runner)]
