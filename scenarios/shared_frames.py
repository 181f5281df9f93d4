"""A plan's frames built once for all of its files. The six files stored with a plan (two
planner's workbooks, the contract's CSV and XLSX, two CSVs for Indonesian Excel) are written from
the same targets, kecamatan and contributions tables and the same copies of them made safe to open;
within `plan_files(plan)` each of those is built on first use and shared by the files after it.
Outside such a block (a single first download, the command line) nothing is kept."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd

_PLANS: dict[int, tuple[object, dict[Hashable, Any]]] = {}  # id(plan) -> (plan, its frames)
# id(frame) -> (frame, its safe copy), while any block is open; the frame is kept so its id stays its
_SAFE: dict[int, tuple[pd.DataFrame, pd.DataFrame]] = {}


@contextmanager
def plan_files(plan: object) -> Iterator[None]:
    """Within the block, the frames of `plan` are built once; the plan must not change meanwhile."""
    if id(plan) in _PLANS:  # already inside a block for it
        yield
        return
    _PLANS[id(plan)] = (plan, {})
    try:
        yield
    finally:
        del _PLANS[id(plan)]
        if not _PLANS:
            _SAFE.clear()


def shared[T](plan: object, key: Hashable, build: Callable[[], T]) -> T:
    """`build()`, or what it gave for `plan` and `key` before within a `plan_files` block. The
    caller must not change what it gets."""
    found = _PLANS.get(id(plan))
    if found is None or found[0] is not plan:
        return build()
    memo = found[1]
    if key not in memo:
        memo[key] = build()
    return memo[key]  # type: ignore[no-any-return]


def shared_safe(frame: pd.DataFrame, build: Callable[[pd.DataFrame], pd.DataFrame]) -> pd.DataFrame:
    """`build(frame)` (a safe copy of it), made once per frame within a `plan_files` block; each
    caller gets a copy of its own to rename the columns of (the cells are shared, unchanged)."""
    if not _PLANS:
        return build(frame)
    found = _SAFE.get(id(frame))
    if found is None or found[0] is not frame:
        found = (frame, build(frame))
        _SAFE[id(frame)] = found
    return found[1].copy(deep=False)
