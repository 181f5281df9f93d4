"""A plan from a solver process to its supervisor, in a binary columnar form.

The plan's head (status, totals, pools, explanations, ...) goes as JSON; its villages, 83,762 of
them for the national table, go as one list per field, pickled (numbers and text in pickle's C
loops), with each village's enrolments (group -> package -> workers) as the JSON text the
database stores. The supervisor stores them as they come, column by column
(`app.services.plans.save_plan`), and never builds the villages as objects again: read back as
JSON, a national plan costs its supervisor seconds of validating 83,762 village plans that
`solver.solve` built a moment before.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from pydantic_core import from_json, to_json

from models import Plan, VillagePlan

FIELDS = tuple(VillagePlan.model_fields)
JSON_FIELDS = ("enrollments",)  # carried as JSON text
_ROW = attrgetter(*FIELDS)


@dataclass(frozen=True)
class VillageColumns:
    """A plan's villages as one list per `VillagePlan` field, in the plan's order; the fields of
    JSON_FIELDS as JSON text."""

    fields: tuple[str, ...]
    columns: list[list[Any]]

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def column(self, name: str) -> list[Any]:
        """The field's values (JSON text for the fields of JSON_FIELDS)."""
        return self.columns[self.fields.index(name)]

    def villages(self) -> list[VillagePlan]:
        construct = VillagePlan.model_construct
        decoded = [
            [from_json(cell) for cell in column] if name in JSON_FIELDS else column
            for name, column in zip(self.fields, self.columns, strict=True)
        ]
        return [construct(**dict(zip(self.fields, row, strict=True))) for row in zip(*decoded, strict=True)]


def village_columns(villages: list[VillagePlan]) -> VillageColumns:
    rows = list(map(_ROW, villages))
    columns = [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in FIELDS]
    for name in JSON_FIELDS:
        at = FIELDS.index(name)
        columns[at] = [to_json(cell).decode() for cell in columns[at]]
    return VillageColumns(FIELDS, columns)


def plan_to_bytes(plan: Plan) -> bytes:
    head = plan.model_dump_json(exclude={"villages"})
    return pickle.dumps(
        {"head": head, "fields": FIELDS, "columns": village_columns(plan.villages).columns},
        protocol=pickle.HIGHEST_PROTOCOL,
    )


def plan_parts(data: bytes) -> tuple[Plan, VillageColumns]:
    """The plan `plan_to_bytes` wrote, without its villages, and its villages as columns. Only
    for bytes from a process of this service: pickle runs what it reads."""
    body: dict[str, Any] = pickle.loads(data)
    return Plan.model_validate_json(body["head"]), VillageColumns(tuple(body["fields"]), body["columns"])


def plan_from_bytes(data: bytes) -> Plan:
    """The whole plan, villages as objects."""
    plan, villages = plan_parts(data)
    plan.villages = villages.villages()
    return plan
