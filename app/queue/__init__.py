"""The job queue: one interface (`interface.JobQueue`: submit, status, wait, cancel) and two
backends, the embedded runner (`embedded`) and the Redis-backed queue (`redis_queue`), each
handed the job runner by `app.main`."""

from importlib import import_module
from typing import Any

# RQ stores a job's function by its path: jobs enqueued before the job machinery moved to
# app.jobs.worker name "app.queue.perform" (and are run by the new workers through this name).
_MOVED = {"perform": "app.jobs.worker"}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        return getattr(import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
