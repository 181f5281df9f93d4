"""Imported last by the solves' forkserver (`app.processes.pool.solver_context`): everything the
server has loaded is moved out of the garbage collector's reach (`gc.freeze`), so that a process
forked from it does not walk, and so copy, the server's whole heap at its first collection: its
memory stays shared with the server's, and its first solve is as fast as the next."""

from __future__ import annotations

import gc

gc.collect()
gc.freeze()
