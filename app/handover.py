"""A plan from a solver process to its supervisor, in a binary columnar form.

The plan's head (status, totals, pools, explanations, ...) goes as JSON; its villages, 83,762 of
them for the national table, go as one list per field, pickled (numbers and text in pickle's C
loops), and are put back together without validating again: they are the plan `solver.solve`
built in our own process a moment before, from its own arrays (`solver.extract.village_plans`
builds them the same way). Read back whole, the JSON of a national plan costs its supervisor
seconds of validation; the columns a fraction of that.
"""

from __future__ import annotations

import pickle
from operator import attrgetter
from typing import Any

from models import Plan, VillagePlan

_FIELDS = tuple(VillagePlan.model_fields)
_ROW = attrgetter(*_FIELDS)


def plan_to_bytes(plan: Plan) -> bytes:
    head = plan.model_dump_json(exclude={"villages"})
    rows = list(map(_ROW, plan.villages))
    columns = [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in _FIELDS]
    return pickle.dumps({"head": head, "fields": _FIELDS, "columns": columns},
                        protocol=pickle.HIGHEST_PROTOCOL)


def plan_from_bytes(data: bytes) -> Plan:
    """The plan `plan_to_bytes` wrote, in a process of this service (never bytes from outside:
    pickle runs what it reads)."""
    body: dict[str, Any] = pickle.loads(data)
    plan = Plan.model_validate_json(body["head"])
    fields, columns = body["fields"], body["columns"]
    construct = VillagePlan.model_construct
    plan.villages = [construct(**dict(zip(fields, row, strict=True)))
                     for row in zip(*columns, strict=True)]
    return plan
