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

from app.web.problems import PROBLEM_JSON
from models import Scenario
from models.api import DB_INT_MAX
from models.insights import LeverKind

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
        "name": "actuals",
        "description": "Plan against actual: what was enrolled per village and month, uploaded against a "
        "plan; achievement per village and kecamatan, the villages behind, the money left per source; "
        "and the re-plan of the months left as a new plan.",
    },
    {
        "name": "comparisons",
        "description": "Plans against a baseline: totals, per kecamatan and per village deltas, "
        "the villages that gain and lose most.",
    },
    {
        "name": "rules",
        "description": "The contribution rules (read-only): each parameter's values with the date "
        "they take effect and their legal reference; values not confirmed say so.",
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

# What the answers' fields mean, with their units, by field name (one meaning per name across the
# answers); a field the model describes itself keeps its own words.
FIELD_DOCS = {
    "id": "this resource's id",
    "dataset_id": "the dataset (village table) it belongs to",
    "scenario_id": "the scenario",
    "scenario_version": "the scenario version solved",
    "version": "the version number, from 1",
    "plan_id": "the plan, when there is one",
    "baseline_plan_id": "the plan the others are compared with",
    "plan_ids": "the plans compared with the baseline",
    "created_at": "when it was made (UTC)",
    "started_at": "when the solve started (UTC)",
    "finished_at": "when the job finished (UTC)",
    "archived_at": "when it was archived (UTC)",
    "archived": "archived scenarios stay readable but can no longer be solved or revised",
    "latest_version": "the newest version's number",
    "versions": "every version's number",
    "note": "what changed in this version",
    "scenario": "the scenario (see Scenario)",
    "name": "a name people read",
    "slug": "the name as used in file names",
    "source_filename": "the uploaded file's name",
    "groups": "the worker groups, as the table's uninsured_<group> columns name them",
    "packages": "the package codes",
    "remedies": "for an infeasible plan: the least change of each lever that alone makes the "
    "scenario feasible",
    "short_village_count": "villages whose own money cannot pay their floors (all of them at "
    "/plans/{id}/shortfalls)",
    "fiscal_year": "the budget year the plan's money belongs to (none when the scenario gives none)",
    "months": "the plan's months, YYYY-MM (none without a fiscal year)",
    "rules": "the contribution rules (name, version, each parameter's citation) the premiums came "
    "from; none when every premium was typed",
    "premiums": "every premium the plan is priced at: per package, month, sector and paying source "
    "for packages priced by the rules, once for a typed premium",
    "new_by_source": "new enrolments paid by each source (dana_desa, add, apbd_pool), where the "
    "premiums differ by who pays",
    "kabupaten": "the kabupaten or kota",
    "kecamatan": "the kecamatan",
    "village_code": "Kemendagri code, e.g. 32.16.08.2010",
    "village_name": "the desa or kelurahan",
    "village_count": "villages, count",
    "kecamatan_count": "kecamatan, count",
    "status": "optimal, infeasible, time_limit or error (plans); queued, running, succeeded, failed or "
    "cancelled (jobs)",
    "objective": "the objective's value: weighted enrolments (max_protection) or rupiah (min_cost)",
    "objective_name": "max_protection or min_cost",
    "scenario_name": "the scenario's name when it was solved",
    "message": "a note in words",
    "integer": "whole workers (true) or a continuous plan",
    "method": "lp, lp_rounded (the LP rounded and repaired) or mip",
    "lp_bound": "the best bound on the objective: the LP optimum (a bound for whole-worker plans), or "
    "where the time limit came first the MIP's, the pool price's Lagrangian or a bound from the money",
    "gap_to_lp_bound": "|lp_bound - objective| / max(1, |lp_bound|), a fraction",
    "build_seconds": "preparing data and building the model, seconds",
    "solve_seconds": "inside HiGHS, seconds",
    "check_seconds": "our own check of the plan, seconds",
    "total_seconds": "the whole solve, seconds",
    "blocks": "independent sub-problems solved",
    "preferred": "every tie between equally good plans was settled by the stated order: least pool "
    "money, fewest rupiah, even sharing",
    "fallback_blocks": "blocks the time limit left with the floors-first plan, named by kabupaten",
    "unsolved_blocks": "how many blocks the time limit cut short (floors-first or not proven optimal); "
    "every other block keeps its optimal plan",
    "marginals_from": "lp, lp_relaxation (whole-worker plans) or null: where the marginal figures come from",
    "has_targets": "false for a plan that failed its own check or has no plan: its targets answer 409",
    "group_reasons": "per group: its weight, value per rupiah, floors and caps that bind",
    "weight": "the group's weight in the objective",
    "value_per_million": "objective points per Rp1,000,000 at the package that gives most per rupiah",
    "cheapest_cost_idr": "one worker at the cheapest package for the horizon, rupiah",
    "floor_share": "the group's own coverage floor, 0..1",
    "villages_at_floor": "villages where the group gets exactly what its floor requires, count",
    "villages_all_enrolled": "villages where every uninsured worker of the group is enrolled, count",
    "villages_with_workers": "villages with uninsured workers of the group, count",
    "group": "the worker group",
    "marginal_enrollments_per_million": "new enrolments per Rp1,000,000 more of the village's cap",
    "marginal_range_idr": "rupiah more over which the marginal rates hold (null: no end)",
    "marginal_value_per_billion": "extra objective per Rp1,000,000,000 more in the pool",
    "marginal_enrollments_per_billion": "new enrolments per Rp1,000,000,000 more in the pool",
    "plus_billion_objective": "the objective of the LP re-solved with Rp1,000,000,000 more in the pool "
    "(the whole plan's LP; for whole-worker plans, of the LP relaxation)",
    "plus_billion_gain": "objective gained when the LP is re-solved with Rp1,000,000,000 more in the pool",
    "plus_billion_value": "the same gain as plus_billion_gain, under its earlier name (kept for readers "
    "of earlier plans)",
    "needed_with_others_met": "apbd_pool where another kabupaten is short too: what this pool needs for "
    "its own villages' floors, with the other shortfalls met as well, rupiah",
    "money_for": "apbd_pool: what the money is for, floors, target or floors_and_target",
    "plus_billion_enrollments": "new enrolments gained when re-solved with Rp1,000,000,000 more in the pool",
    "totals": "the plan summed over the table",
    "pools": "each APBD pool: size, spend, and what one more million in it is worth",
    "explanations": "why an infeasible scenario is infeasible, with the figures",
    "check": "our own check of every constraint after the solve",
    "new_enrollments": "new enrolments, workers",
    "new_by_group": "group -> new enrolments, workers",
    "new_by_package": "package -> new enrolments, workers",
    "spend_dana_desa_idr": "paid from the villages' dana desa, rupiah",
    "spend_add_idr": "paid from the villages' ADD, rupiah",
    "spend_apbd_idr": "paid from the kabupaten's APBD pool, rupiah",
    "spend_total_idr": "paid in all, rupiah",
    "workers_enrolled_before": "informal workers already enrolled, workers",
    "workers_total": "informal workers, enrolled and not, workers",
    "coverage_before": "enrolled / all informal workers before the plan, 0..1",
    "coverage_after": "enrolled / all informal workers after the plan, 0..1",
    "villages": "villages, count",
    "villages_with_new_enrollments": "villages with at least one new enrolment, count",
    "pool_idr": "the pool, rupiah",
    "spent_idr": "spent from the pool, rupiah",
    "marginal_value_per_million": "extra objective per Rp1,000,000 more (for whole-worker plans, of the LP "
    "relaxation)",
    "workers_needed": "new enrolments the floors require, workers",
    "cost_idr": "their cost at the cheapest package, rupiah",
    "own_budget_idr": "the village's dana desa and ADD caps, rupiah",
    "shortfall_idr": "rupiah missing",
    "year": "a multi-year plan: the year of the plan (1 = the first) this is about; none for the whole plan",
    "constraint": "coverage_floors, apbd_pool, min_new_enrollments or solver",
    "ok": "every constraint holds within the tolerance",
    "tolerance": "relative tolerance of the check",
    "max_violation": "the largest violation found, relative",
    "violations": "the worst violations, in words",
    "mode": "sync (the request waited) or async (polled)",
    "progress": "0..1",
    "phase": "what the job is doing, in words",
    "error": "why a failed job failed",
    "heartbeat_at": "the last sign of life of the process holding the job (UTC)",
    "worker": "the process holding the job, host:pid",
    "options": "the solve options used",
    "time_limit_s": "HiGHS's time limit, seconds (capped by the service)",
    "gap_rel": "MIP relative gap, a fraction",
    "integer_method": "whole-worker plans: round (the LP rounded and repaired) or mip",
    "tie_break": "the order of preference among equally good plans: least pool money, fewest rupiah, "
    "even sharing",
    "baseline": "the baseline plan's label",
    "plans": "the compared plans' labels",
    "gainers": "the villages that gain most new enrolments",
    "losers": "the villages that lose most new enrolments",
    "dana_desa_idr": "the village's annual dana desa, rupiah",
    "add_idr": "the village's annual ADD, rupiah",
    "uninsured": "group -> informal workers not yet enrolled, workers",
    "enrolled": "group -> informal workers already enrolled, workers",
    "enrollments": "group -> package -> new enrolments, workers",
    "priority": "the village's weight in the objective",
    "max_share": "the village's own cap on the share of its dana desa spent on premiums, 0..1",
    "items": "the page's items",
    "total": "items matching the filter, count",
    "offset": "items skipped",
    "limit": "items per page",
}

ERRORS = {
    400: "The body is not the JSON or form it says it is.",
    401: "No token, or one that is unknown, revoked or expired (`WWW-Authenticate: Bearer`).",
    403: "The token's user may not do this (its role, or another kabupaten's data), or a cross-site "
    "form post.",
    404: "Not found: the dataset, scenario, version, plan, job, comparison or actuals do not exist.",
    409: "Conflict: e.g. the scenario is archived, the job has already finished, or the plan has no "
    "targets to compare actuals with.",
    413: "The upload is larger than `DESAPLAN_MAX_UPLOAD_BYTES`, or another body than "
    "`DESAPLAN_MAX_BODY_BYTES`.",
    415: "The content type is not a CSV or XLSX file, multipart form or JSON rows.",
    422: "The input was refused: every bad row, column or field is listed in `errors`.",
    429: "Too many requests from this client, or too many failed sign-ins from this address (`Retry-After`).",
    500: "Our own failure: the body carries only a correlation id, which the log line carries too.",
    503: "Try again later (`Retry-After`): the database does not answer, too many solves are queued, "
    "or the work took longer than the service's time limit.",
    507: "The disk where the service keeps its data is full: nothing was saved.",
}

# what any request may meet, signed in or not: the database away, a full disk, a rate limit
_ANY_REQUEST = [422, 429, 500, 503, 507]
_PUBLIC = ("/health",)


def _errors_of(path: str, method: str) -> list[int]:
    codes = list(_ANY_REQUEST)
    if path not in _PUBLIC:
        codes += [401, 403, 404]
    if method in ("post", "put", "patch"):
        codes += [400, 409, 413, 415]
    elif "{" in path or path.endswith(("/cancel", "/revoke")):
        codes.append(409)
    return sorted(set(codes))


# The resource chains, as OpenAPI links: what an answer's ids open next (a client, or schemathesis's
# stateful tests, follow them). (method, path, status) -> link name -> (operation, parameters, body)
_ID = "$response.body#/id"
_FIRST = "$response.body#/items/0/id"
Link = tuple[str, dict[str, str], dict[str, str] | None]
LINKS: dict[tuple[str, str, str], dict[str, Link]] = {
    ("post", "/datasets", "201"): {
        "GetDataset": ("get_dataset", {"dataset_id": _ID}, None),
        "ListVillages": ("list_villages_datasets", {"dataset_id": _ID}, None),
        "Download": ("download_dataset", {"dataset_id": _ID}, None),
        "CreateScenario": ("create_scenario", {}, {"dataset_id": _ID}),
    },
    ("post", "/scenarios", "201"): {
        "GetScenario": ("get_scenario", {"scenario_id": _ID}, None),
        "GetVersion": (
            "get_version",
            {"scenario_id": _ID, "version": "$response.body#/latest_version"},
            None,
        ),
        "Revise": ("revise_scenario", {"scenario_id": _ID}, None),
        "Archive": ("archive_scenario", {"scenario_id": _ID}, None),
        "Unarchive": ("unarchive_scenario", {"scenario_id": _ID}, None),
        "Solve": ("solve", {}, {"scenario_id": _ID}),
    },
    ("post", "/scenarios/{scenario_id}/versions", "201"): {
        "GetVersion": (
            "get_version",
            {"scenario_id": "$response.body#/scenario_id", "version": "$response.body#/version"},
            None,
        ),
        "Solve": (
            "solve",
            {},
            {"scenario_id": "$response.body#/scenario_id", "version": "$response.body#/version"},
        ),
    },
    ("post", "/solves", "200"): {
        "GetPlan": ("get_plan", {"plan_id": _ID}, None),
        "PlanVillages": ("list_villages_plans", {"plan_id": _ID}, None),
        "PlanKecamatan": ("kecamatan_summary", {"plan_id": _ID}, None),
        "Targets": ("targets", {"plan_id": _ID}, None),
        "Marginals": ("plan_marginals", {"plan_id": _ID}, None),
        "Compare": ("create_comparison", {}, {"baseline_plan_id": _ID}),
    },
    ("post", "/solves", "202"): {
        "GetJob": ("get_job", {"job_id": _ID}, None),
        "Cancel": ("cancel_job", {"job_id": _ID}, None),
    },
    ("get", "/jobs/{job_id}", "200"): {
        "GetPlan": ("get_plan", {"plan_id": "$response.body#/plan_id"}, None),
        "Targets": ("targets", {"plan_id": "$response.body#/plan_id"}, None),
    },
    ("post", "/comparisons", "201"): {
        "GetComparison": ("get_comparison", {"comparison_id": _ID}, None),
        "Checks": ("check_comparison", {"comparison_id": _ID}, None),
    },
    # the first item of a list opens the same chains as a new one
    ("get", "/datasets", "200"): {
        "GetDataset": ("get_dataset", {"dataset_id": _FIRST}, None),
        "ListVillages": ("list_villages_datasets", {"dataset_id": _FIRST}, None),
        "CreateScenario": ("create_scenario", {}, {"dataset_id": _FIRST}),
    },
    ("get", "/scenarios", "200"): {
        "GetScenario": ("get_scenario", {"scenario_id": _FIRST}, None),
        "Revise": ("revise_scenario", {"scenario_id": _FIRST}, None),
        "Solve": ("solve", {}, {"scenario_id": _FIRST}),
    },
    ("get", "/plans", "200"): {
        "GetPlan": ("get_plan", {"plan_id": _FIRST}, None),
        "Targets": ("targets", {"plan_id": _FIRST}, None),
        "Compare": ("create_comparison", {}, {"baseline_plan_id": _FIRST}),
    },
    ("get", "/jobs", "200"): {
        "GetJob": ("get_job", {"job_id": _FIRST}, None),
    },
    ("post", "/users", "201"): {
        "GetUser": ("get_user", {"user_id": _ID}, None),
        "CreateToken": ("create_token", {"user_id": _ID}, None),
        "ListTokens": ("list_tokens", {"user_id": _ID}, None),
    },
    ("post", "/users/{user_id}/tokens", "201"): {
        "Revoke": ("revoke_token", {"token_id": _ID}, None),
    },
}


def _add_links(schema: dict[str, Any]) -> None:
    """Each link names its operation by the start of the operationId FastAPI gave it."""
    ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]
    for (method, path, status), links in LINKS.items():
        response = schema["paths"][path][method]["responses"][status]
        for name, (start, parameters, body) in links.items():
            [operation_id] = [i for i in ids if i.startswith(f"{start}_")]
            link: dict[str, Any] = {"operationId": operation_id}
            if parameters:
                link["parameters"] = parameters
            if body:
                link["requestBody"] = body
            response.setdefault("links", {})[name] = link


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
                "has a default. A number may also be written as planners type it, as text: "
                '"Rp16.800", "3%", "Rp1.500.000.000"',
            }
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for component in components.values():
        for field, body in component.get("properties", {}).items():
            if field in FIELD_DOCS and "description" not in body:
                body["description"] = FIELD_DOCS[field]
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code in _errors_of(path, method):
                own = responses.get(str(code), {}).get("content", {})
                if PROBLEM_JSON in own:
                    continue  # the route's own words for it
                responses[str(code)] = {
                    "description": ERRORS[code],
                    "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
                }
    _tighten(schema)
    _add_links(schema)
    return schema


def _exact_bounds(node: Any) -> None:
    """Integer bounds as integers: pydantic writes `le=2**63 - 1` as the float 9.223372036854776e18,
    which is 2**63, one more than a stored id may be."""
    if isinstance(node, dict):
        for key in ("maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum"):
            value = node.get(key)
            if isinstance(value, float) and node.get("type") == "integer":
                node[key] = DB_INT_MAX if value >= float(DB_INT_MAX) else int(value)
        for child in node.values():
            _exact_bounds(child)
    elif isinstance(node, list):
        for child in node:
            _exact_bounds(child)


def _tighten(schema: dict[str, Any]) -> None:
    """The document as strict as the validation where a schema can say it: the levers a sweep
    takes, the kabupaten a planner needs, integer bounds exact (the months an actuals upload
    takes: `app.web.uploads`)."""
    _exact_bounds(schema)
    components = schema["components"]["schemas"]
    lever = components.get("SweepCreate", {}).get("properties", {}).get("lever")
    if lever is not None:
        lever["enum"] = [kind.value for kind in LeverKind]
    user = components.get("UserCreate")
    if user is not None:  # a planner plans for one kabupaten (`app.services.accounts.create_user`)
        user["if"] = {"properties": {"role": {"const": "planner"}}, "required": ["role"]}
        user["then"] = {
            "properties": {"kabupaten": {"type": "string", "minLength": 1, "maxLength": 200}},
            "required": ["kabupaten"],
        }


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
