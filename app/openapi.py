"""The OpenAPI document, made worth reading: tags with descriptions, the scenario body typed by the
real scenario model (every field with its unit), and every error answer declared as
`application/problem+json` with its schema.

The routes keep taking the scenario as a JSON object (the service validates it once, with
messages that name the field); only the document says what that object is."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from app.errors import PROBLEM_JSON
from models import Scenario

TAGS = [
    {
        "name": "datasets",
        "description": "Village tables (contract section 1): upload once, read back paged or as files. "
        "A stored table never changes; a corrected one is a new dataset.",
    },
    {
        "name": "scenarios",
        "description": "Budgets, packages, weights, floors and targets (contract section 2) "
        "against a dataset; revised as numbered versions, archived but never lost.",
    },
    {
        "name": "solves",
        "description": "Solve a scenario version: a small table answers with the plan, a large one "
        "(or `?mode=async`) with a job to poll.",
    },
    {"name": "jobs", "description": "Solve jobs: status, progress and the plan when done; cancel one."},
    {
        "name": "plans",
        "description": "Solved plans (contract section 4): totals, explanations, villages paged and "
        "sorted, the kecamatan summary, and the targets as CSV, XLSX or one workbook per office.",
    },
    {
        "name": "comparisons",
        "description": "Plans against a baseline: totals, per kecamatan and per village deltas, "
        "the villages that gain and lose most.",
    },
    {"name": "health", "description": "The service answers and its database is reachable."},
]

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "An error, as RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "a stable identifier, e.g. /problems/not-found"},
        "title": {"type": "string", "description": "what kind of error, in short"},
        "status": {"type": "integer", "description": "the HTTP status"},
        "detail": {"type": "string", "description": "what went wrong, for a person"},
        "errors": {
            "type": "array",
            "description": "422: one entry per bad row, column or field",
            "items": {
                "type": "object",
                "properties": {
                    "file": {"type": "string"},
                    "row": {"type": "integer", "description": "the file's row (header = row 1)"},
                    "column": {"type": "string"},
                    "field": {"type": "string", "description": "a dotted path, e.g. budget.dana_desa_share"},
                    "message": {"type": "string"},
                },
            },
        },
        "correlation_id": {"type": "string", "description": "500: quote it when reporting; the log has it"},
    },
}

ERRORS = {
    404: "Not found: the dataset, scenario, version, plan, job or comparison does not exist.",
    409: "Conflict: e.g. the scenario is archived, or the job has already finished.",
    413: "The upload is larger than `DESAPLAN_MAX_UPLOAD_BYTES`.",
    415: "The content type is not a CSV or XLSX file, multipart form or JSON rows.",
    422: "The input was refused: every bad row, column or field is listed in `errors`.",
    500: "Our own failure: the body carries only a correlation id, which the log line carries too.",
}


def _errors_of(path: str, method: str) -> list[int]:
    codes = [422, 500]
    if "{" in path or (method == "post" and path in ("/scenarios", "/solves", "/comparisons")):
        codes.append(404)
    if method == "post" and (path in ("/solves",) or path.endswith(("/versions", "/archive", "/cancel"))):
        codes.append(409)
    if method == "post" and path == "/datasets":
        codes += [413, 415]
    return sorted(codes)


def build(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
        tags=TAGS,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    _, scenario_schemas = models_json_schema(
        [(Scenario, "validation")], ref_template="#/components/schemas/{model}"
    )
    components.update(scenario_schemas.get("$defs", {}))
    components["Problem"] = PROBLEM_SCHEMA
    for name in ("ScenarioCreate", "ScenarioRevise"):
        properties = components.get(name, {}).get("properties", {})
        if "scenario" in properties:
            properties["scenario"] = {
                "$ref": "#/components/schemas/Scenario",
                "description": "the contract's scenario (section 2); every field but `packages` "
                "has a default",
            }
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code in _errors_of(path, method):
                responses[str(code)] = {
                    "description": ERRORS[code],
                    "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
                }
    return schema


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
