"""Work with a time limit: reading an upload, building an export, answering an insight.

`within(limit_s, refusal, setting, fn, *args)` runs `fn(*args)` in a process of its own (a fork
of the forkserver the solves use, with pandas and the readers already imported) and answers its
result; past `limit_s` the process is killed and the caller gets a 503 with `Retry-After`:
`refusal`, a message of the catalogue, says what took too long and which setting bounds it.
A thread could not be stopped; a process can, and its memory goes with it. Like a solver
process it ends with the service (`app.processes.child.apply_limits`).
`limit_s` 0 runs `fn` in the caller's process, unbounded.

An `InputError` raised by `fn` (a refused table names its file, row and column) is raised again
in the caller as it was; any other failure is our own (500, with the child's traceback logged).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from functools import cache
from multiprocessing.context import BaseContext
from typing import Any

from app.errors import ServiceUnavailable
from app.i18n import N_
from app.processes import child as worker
from models import InputError, InputIssue

log = logging.getLogger("desaplan.bounded")

RETRY_AFTER_S = 30
PARSE_SETTING = "DESAPLAN_PARSE_TIME_LIMIT_S"
EXPORT_SETTING = "DESAPLAN_EXPORT_TIME_LIMIT_S"
INSIGHT_SETTING = "DESAPLAN_INSIGHT_TIME_LIMIT_S"

# what a 503 says; %(limit_s)s and %(setting)s are the limit, %(name)s what was worked on
READING_TOO_LONG = N_(
    "Reading %(name)s took longer than %(limit_s)s s (%(setting)s) and was stopped; "
    "try again when the service is less busy, or with a smaller table."
)
BUILDING_TOO_LONG = N_(
    "Building %(name)s took longer than %(limit_s)s s (%(setting)s) and was stopped; "
    "try again when the service is less busy, or with a smaller table."
)
SWEEP_TOO_LONG = N_(
    "The curve took longer than %(limit_s)s s (%(setting)s) and was stopped; ask for it as "
    "a job (mode=async), or for fewer points."
)
FAIRNESS_TOO_LONG = N_(
    "The cost of fairness took longer than %(limit_s)s s (%(setting)s) and was stopped; "
    "try again when the service is less busy, or use desaplan fairness."
)
MARGINALS_TOO_LONG = N_(
    "The marginal values of plan %(name)s took longer than %(limit_s)s s (%(setting)s) and were "
    "stopped; try again when the service is less busy, or use desaplan marginals."
)


class OwnFailure(RuntimeError):
    """The bounded work failed on our side (not the client's input)."""


@cache
def _context() -> BaseContext:
    from app.processes.pool import solver_context

    return solver_context()


def _input_error(cls: type[InputError], title: str, issues: list[dict[str, Any]]) -> InputError:
    error = cls.__new__(cls)
    InputError.__init__(error, [InputIssue.model_validate(i) for i in issues], title=title)
    return error


def within[T](
    limit_s: float, refusal: str, setting: str, fn: Callable[..., T], *args: Any, name: str = ""
) -> T:
    """`fn(*args)`, stopped after `limit_s` seconds (503 saying `refusal` of `name`); `setting`
    names the limit's variable."""
    what = f"bounded work on {name or 'a request'} ({setting})"  # for our own failures
    if limit_s <= 0:
        return fn(*args)
    context = _context()
    parent_end, child_end = context.Pipe(duplex=False)
    process = context.Process(  # type: ignore[attr-defined]
        target=worker.run_bounded, args=(fn, args, child_end, os.getpid()), daemon=True
    )
    process.start()
    child_end.close()
    try:
        if not parent_end.poll(limit_s):
            raise ServiceUnavailable(
                refusal, RETRY_AFTER_S, name=name, limit_s=float(limit_s), setting=setting
            )
        try:
            kind, payload = parent_end.recv()
        except EOFError:
            raise OwnFailure(f"{what}: its process ended without an answer") from None
    finally:
        parent_end.close()
        if process.is_alive():
            process.kill()
        process.join()
    if kind == "ok":
        result: T = payload
        return result
    if kind == "input_error":
        raise _input_error(*payload)
    log.error("%s failed in its own process:\n%s", what, payload)
    raise OwnFailure(f"{what} failed")


def reading[T](limit_s: float, name: str, fn: Callable[..., T], *args: Any) -> T:
    """Reading an upload, bounded by `DESAPLAN_PARSE_TIME_LIMIT_S`."""
    return within(limit_s, READING_TOO_LONG, PARSE_SETTING, fn, *args, name=name)


def building[T](limit_s: float, name: str, fn: Callable[..., T], *args: Any) -> T:
    """Building a file to download, bounded by `DESAPLAN_EXPORT_TIME_LIMIT_S`."""
    return within(limit_s, BUILDING_TOO_LONG, EXPORT_SETTING, fn, *args, name=name)


def answering[T](limit_s: float, refusal: str, fn: Callable[..., T], *args: Any, name: str = "") -> T:
    """An insight answered in the request (a curve, the cost of fairness, the marginal values),
    bounded by `DESAPLAN_INSIGHT_TIME_LIMIT_S`."""
    return within(limit_s, refusal, INSIGHT_SETTING, fn, *args, name=name)
