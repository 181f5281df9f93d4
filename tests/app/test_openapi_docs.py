"""/docs and /redoc work without internet; the OpenAPI document says what bodies and errors are."""

from __future__ import annotations

import csv
import re

from fastapi.testclient import TestClient

from scenarios.examples import BEKASI_VILLAGES


def _script_and_style_urls(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)


def test_docs_and_redoc_load_only_our_own_assets(client: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        urls = _script_and_style_urls(html)
        assert urls and all(url.startswith("/") for url in urls), urls
        assert "fonts.googleapis" not in html and "cdn" not in html.lower()
        assert '"validatorUrl": null' in html or page == "/redoc"  # no badge fetched from swagger.io
        for url in urls:
            if url != "/openapi.json":
                asset = client.get(url)
                assert asset.status_code == 200 and len(asset.content) > 1000, url
                assert b"cdn.redoc.ly" not in asset.content


def test_pages_load_only_our_own_assets(client: TestClient) -> None:
    plotly = client.get("/ui/vendor/plotly.min.js")
    assert plotly.status_code == 200 and b"plotly" in plotly.content[:2000].lower()
    for url in _script_and_style_urls(client.get("/").text):
        assert url.startswith("/"), url


def test_scenario_body_is_typed_by_the_scenario_model(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]

    assert schemas["ScenarioCreate"]["properties"]["scenario"]["$ref"] == "#/components/schemas/Scenario"
    scenario = schemas["Scenario"]["properties"]
    assert "months" in scenario["horizon_months"]["description"]
    package = schemas["Package"]["properties"]
    assert "rupiah" in package["monthly_premium_idr"]["description"]
    for name in ("Scenario", "Package", "Budget", "Targets"):
        for field, body in schemas[name]["properties"].items():
            assert body.get("description"), f"{name}.{field} has no description"


def test_answers_say_what_their_fields_mean(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]

    for name in ("PlanPublic", "Totals", "PoolUse", "Shortfall", "Explanation", "JobPublic", "DatasetPublic"):
        undocumented = [f for f, body in schemas[name]["properties"].items() if not body.get("description")]
        assert not undocumented, (name, undocumented)
    assert "rupiah" in schemas["Totals"]["properties"]["spend_apbd_idr"]["description"]


def test_every_error_answer_is_a_declared_problem(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()

    assert all(tag.get("description") for tag in spec["tags"])
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            errors = {code: answer for code, answer in operation["responses"].items() if code >= "400"}
            assert {"422", "500"} <= set(errors), (method, path)
            for answer in errors.values():
                assert answer["content"]["application/problem+json"]["schema"]["$ref"].endswith("/Problem")
    assert {"413", "415"} <= set(spec["paths"]["/datasets"]["post"]["responses"])
    assert "409" in spec["paths"]["/solves"]["post"]["responses"]
    assert "404" in spec["paths"]["/plans/{plan_id}"]["get"]["responses"]


def test_examples_pair_village_names_with_their_real_codes(client: TestClient) -> None:
    with BEKASI_VILLAGES.open(encoding="utf-8") as table:
        codes = {
            (row["village_name"], row["kecamatan"]): row["village_code"] for row in csv.DictReader(table)
        }
    spec = client.get("/openapi.json").text

    pairs = re.findall(
        r'"village_code": ?"(32\.16\.\d\d\.\d{4})", ?"village_name": ?"([^"]+)", ?"kecamatan": ?"([^"]+)"',
        spec,
    )
    pairs += [
        (code, name, kecamatan)
        for code, name, kecamatan in re.findall(r"(32\.16\.\d\d\.\d{4}),([^,]+),([^,]+),", spec)
    ]
    assert len(pairs) >= 3
    for code, name, kecamatan in pairs:
        assert codes.get((name, kecamatan)) == code, (code, name, kecamatan)


def test_the_links_name_real_operations_parameters_and_fields(empty_client: TestClient) -> None:
    spec = empty_client.get("/openapi.json").json()
    operations = {op["operationId"]: op for ops in spec["paths"].values() for op in ops.values()}
    schemas = spec["components"]["schemas"]
    followed = set()

    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for status, response in op["responses"].items():
                answer = response.get("content", {}).get("application/json", {}).get("schema", {})
                answered = schemas[answer["$ref"].rsplit("/", 1)[1]] if "$ref" in answer else {}
                for name, link in response.get("links", {}).items():
                    target = operations[link["operationId"]]
                    followed.add(link["operationId"])
                    where = f"{method} {path} {status} {name}"
                    taken = {p["name"] for p in target.get("parameters", []) if p["in"] == "path"}
                    assert set(link.get("parameters", {})) == taken, where
                    body_ref = (
                        target.get("requestBody", {})
                        .get("content", {})
                        .get("application/json", {})
                        .get("schema", {})
                        .get("$ref", "")
                    )
                    fields = schemas[body_ref.rsplit("/", 1)[1]]["properties"] if body_ref else {}
                    assert set(link.get("requestBody", {})) <= set(fields), where
                    expressions = [
                        *link.get("parameters", {}).values(),
                        *link.get("requestBody", {}).values(),
                    ]
                    for expression in expressions:
                        field = expression.removeprefix("$response.body#/").split("/")[0]
                        assert field in answered.get("properties", {}), (where, expression)

    # the chains: dataset -> villages and download, scenario -> revise and solve, solve -> job ->
    # plan -> targets and compare
    for start in (
        "list_villages_datasets",
        "download_dataset",
        "revise_scenario",
        "solve_",
        "get_job",
        "get_plan",
        "targets_",
        "create_comparison",
        "get_comparison",
    ):
        assert any(i.startswith(start) for i in followed), start
