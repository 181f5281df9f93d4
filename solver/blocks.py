"""Independent blocks: villages no constraint links.

Villages are linked only through the APBD pool they share (when it holds money) and the table-wide
target of new enrolments. So: a table-wide target, or one pool with money for the whole table, makes
one block; pools per kabupaten make one block per kabupaten with money; villages with no pool money
are independent and are packed into blocks of about `CHUNK` villages, kept by kabupaten.
"""

from __future__ import annotations

import numpy as np

from solver.data import Arrays

CHUNK = 2_000


def split_blocks(data: Arrays) -> list[np.ndarray]:
    """Village index arrays, one per independent block, covering every village once."""
    if data.n == 0:
        return []
    if data.min_new > 0:
        return [np.arange(data.n)]
    funded = data.pool_idr[data.pool_of] > 0
    blocks: list[np.ndarray] = []
    order = np.argsort(data.pool_of, kind="stable")
    bounds = np.searchsorted(data.pool_of[order], np.arange(len(data.pool_idr) + 1))
    loose: list[np.ndarray] = []
    for k in range(len(data.pool_idr)):
        members = order[bounds[k] : bounds[k + 1]]
        if len(members) == 0:
            continue
        if funded[members[0]]:
            blocks.append(members)
        else:
            loose.append(members)
    if loose:
        unlinked = np.concatenate(loose)
        blocks += [unlinked[i : i + CHUNK] for i in range(0, len(unlinked), CHUNK)]
    return blocks
