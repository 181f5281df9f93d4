"""Client mistakes are 4xx naming the file, row, column or field, and nothing of them is stored:
numbers out of range, NaN and infinity, ids beyond 64 bits, broken workbooks, concurrent
revisions, bodies and lists larger than the service takes."""

from __future__ import annotations

import io
import json
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

Uploader = Any
SMALL_CSV = (
    "village_code,village_name,kecamatan,dana_desa_idr,add_idr,uninsured_farmers,"
    "uninsured_fishers,enrolled_farmers,priority\n"
    "32.16.01.2001,Sagara Makmur,Tarumajaya,1500000000,600000000,400,120,50,1.0\n"
    "32.16.01.2002,Segarajaya,Tarumajaya,1400000000,500000000,350,200,30,1.5\n"
    "32.16.02.2001,Sukamekar,Babelan,1600000000,650000000,500,0,80,1.0\n"
    "32.16.02.2002,Bunibakti,Babelan,1550000000,0,420,60,0,2.0\n"
)
SMALL_SCENARIO: dict[str, Any] = {
    "name": "Small test, 3% of dana desa",
    "packages": [
        {"code": "JKK-JKM", "monthly_premium_idr": 16800, "value": 1.0},
        {"code": "JKK-JKM-JHT", "monthly_premium_idr": 36800, "value": 1.3},
    ],
    "group_weights": {"fishers": 3.0},
    "budget": {"dana_desa_share": 0.03, "apbd_pool_idr": 100000000},
    "targets": {"min_coverage": 0.2},
}
HEADER = SMALL_CSV.splitlines()[0]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _dataset_count(client: TestClient) -> int:
    total: int = client.get("/datasets").json()["total"]
    return total


def _upload_csv(client: TestClient, text: str) -> Any:
    return client.post("/datasets", files={"file": ("bad.csv", text.encode(), "text/csv")})


@pytest.mark.parametrize(
    ("cell", "column"),
    [
        ("1e19", "uninsured_farmers"),  # 2^63 and more wrapped round to -9,223,372,036,854,775,808
        ("1e308", "uninsured_farmers"),
        ("12345678901234567890", "uninsured_fishers"),
        ("1000000000", "enrolled_farmers"),  # a billion workers in one village
    ],
)
def test_worker_counts_beyond_range_are_422_naming_row_and_column(
    empty_client: TestClient, cell: str, column: str
) -> None:
    rows = SMALL_CSV.splitlines()
    cells = rows[2].split(",")
    cells[HEADER.split(",").index(column)] = cell
    rows[2] = ",".join(cells)

    response = _upload_csv(empty_client, "\n".join(rows) + "\n")

    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert {"file": "bad.csv", "row": 3, "column": column} == {
        k: errors[0][k] for k in ("file", "row", "column")
    }
    assert "too large" in errors[0]["message"]
    assert _dataset_count(empty_client) == 0


def test_rupiah_beyond_range_is_422(empty_client: TestClient) -> None:
    text = SMALL_CSV.replace("1500000000,600000000", "1e17,600000000")

    response = _upload_csv(empty_client, text)

    assert response.status_code == 422
    assert response.json()["errors"][0]["column"] == "dana_desa_idr"
    assert _dataset_count(empty_client) == 0


def test_json_rows_with_huge_integers_are_422(empty_client: TestClient) -> None:
    row = {
        "village_code": "32.16.01.2001",
        "village_name": "Telajung",
        "kecamatan": "Cikarang Barat",
        "dana_desa_idr": 1_580_000_000,
        "uninsured_farmers": 10**20,
    }

    response = empty_client.post("/datasets", json={"name": "huge", "rows": [row]})

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["column"] == "uninsured_farmers"
    assert _dataset_count(empty_client) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('"budget": {"dana_desa_share": 0.03, "apbd_pool_idr": Infinity}', "budget.apbd_pool_idr"),
        ('"group_weights": {"fishers": NaN}', "group_weights.fishers"),
        ('"targets": {"min_new_enrollments": Infinity}', "targets.min_new_enrollments"),
        ('"budget": {"apbd_pool_idr": 1e20}', "budget.apbd_pool_idr"),
        ('"horizon_months": 12, "group_weights": {"fishers": 1e300}', "group_weights.fishers"),
    ],
)
def test_scenario_with_nan_infinity_or_huge_numbers_is_422_and_not_stored(
    empty_client: TestClient, upload_small: Uploader, body: str, field: str
) -> None:
    dataset = upload_small(empty_client)
    packages = json.dumps(SMALL_SCENARIO["packages"])
    text = f'{{"dataset_id": {dataset["id"]}, "scenario": {{"packages": {packages}, {body}}}}}'

    response = empty_client.post(
        "/scenarios", content=text.encode(), headers={"content-type": "application/json"}
    )

    assert response.status_code == 422, response.text
    assert field in [e.get("field") for e in response.json()["errors"]]
    assert empty_client.get("/scenarios").json()["total"] == 0


def test_infinite_premium_in_a_revision_is_422(empty_client: TestClient, upload_small: Uploader) -> None:
    dataset = upload_small(empty_client)
    created = empty_client.post(
        "/scenarios", json={"dataset_id": dataset["id"], "scenario": SMALL_SCENARIO}
    ).json()
    text = '{"scenario": {"packages": [{"code": "A", "monthly_premium_idr": Infinity}]}}'

    response = empty_client.post(
        f"/scenarios/{created['id']}/versions",
        content=text.encode(),
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 422
    assert empty_client.get(f"/scenarios/{created['id']}").json()["versions"] == [1]


HUGE = 2**63
PATHS = [
    f"/datasets/{HUGE}",
    f"/datasets/{HUGE}/villages",
    f"/datasets/{HUGE}/download",
    f"/scenarios/{HUGE}",
    f"/scenarios/1/versions/{HUGE}",
    f"/plans/{HUGE}",
    f"/plans/{HUGE}/villages",
    f"/plans/{HUGE}/kecamatan",
    f"/plans/{HUGE}/targets",
    f"/jobs/{HUGE}",
    f"/comparisons/{HUGE}",
    f"/plans?scenario_id={HUGE}",
    f"/plans?dataset_id={HUGE}",
    f"/jobs?scenario_id={HUGE}",
    f"/scenarios?dataset_id={HUGE}",
    f"/datasets?offset={HUGE}",
    f"/datasets/{10**30}",
]


@pytest.mark.parametrize("path", PATHS)
def test_ids_beyond_64_bits_in_paths_and_queries_are_4xx(empty_client: TestClient, path: str) -> None:
    response = empty_client.get(path)

    assert response.status_code in (404, 422), response.text


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/solves", {"scenario_id": HUGE}),
        ("/solves", {"scenario_id": 1, "version": HUGE}),
        ("/scenarios", {"dataset_id": HUGE, "scenario": SMALL_SCENARIO}),
        ("/comparisons", {"baseline_plan_id": HUGE, "plan_ids": [1]}),
        ("/comparisons", {"baseline_plan_id": 1, "plan_ids": [HUGE]}),
        (f"/jobs/{HUGE}/cancel", None),
        (f"/scenarios/{HUGE}/archive", None),
    ],
)
def test_ids_beyond_64_bits_in_bodies_are_4xx(
    empty_client: TestClient, path: str, body: dict[str, Any] | None
) -> None:
    response = empty_client.post(path, json=body)

    assert response.status_code in (404, 422), response.text


def _workbook(cells: dict[str, object]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for ref, value in cells.items():
        sheet[ref] = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _replace_part(content: bytes, part: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, data if info.filename == part else source.read(info))
    return out.getvalue()


def _upload_xlsx(client: TestClient, content: bytes) -> Any:
    return client.post("/datasets", files={"file": ("table.xlsx", content, XLSX)})


def test_xlsx_whose_content_types_are_not_xml_is_422(empty_client: TestClient) -> None:
    content = _replace_part(_workbook({"A1": "village_code"}), "[Content_Types].xml", b"not <xml")

    response = _upload_xlsx(empty_client, content)

    assert response.status_code == 422, response.text
    assert "XLSX" in response.json()["errors"][0]["message"]


def test_xlsx_whose_sheet_is_not_xml_is_422(empty_client: TestClient) -> None:
    content = _replace_part(_workbook({"A1": "village_code"}), "xl/worksheets/sheet1.xml", b"<<<")

    assert _upload_xlsx(empty_client, content).status_code == 422


def test_xlsx_with_a_cell_at_the_far_corner_is_refused_before_it_is_read(
    empty_client: TestClient,
) -> None:
    content = _workbook({"A1": "village_code", "XFD1048576": 1})
    assert len(content) < 10_000

    response = _upload_xlsx(empty_client, content)

    assert response.status_code == 422
    message = response.json()["errors"][0]["message"]
    assert "1,048,576 rows and 16,384 columns" in message
    assert _dataset_count(empty_client) == 0


def test_xlsx_that_declares_more_than_it_holds_is_refused(empty_client: TestClient) -> None:
    content = _workbook({"A1": "village_code", "B2": 1})
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    sheet = re.sub(rb'<dimension ref="A1:B2"\s*/>', b'<dimension ref="A1:XFD1048576"/>', sheet)
    assert b"XFD1048576" in sheet

    response = _upload_xlsx(empty_client, _replace_part(content, "xl/worksheets/sheet1.xml", sheet))

    assert response.status_code == 422
    assert "declares" in response.json()["errors"][0]["message"]


def test_too_many_villages_or_columns_are_refused(apps: Any) -> None:
    client = apps.open(load_examples=False, max_villages=3, max_columns=9)

    too_many_rows = _upload_csv(client, SMALL_CSV)  # four villages
    too_many_columns = _upload_csv(client, SMALL_CSV.replace(",priority", ",priority,extra"))

    assert too_many_rows.status_code == 422
    assert "4 villages; the limit is 3" in too_many_rows.json()["errors"][0]["message"]
    assert too_many_columns.status_code == 422
    assert "10 columns; the limit is 9" in too_many_columns.json()["errors"][0]["message"]


def test_too_many_packages_or_groups_are_422(empty_client: TestClient, upload_small: Uploader) -> None:
    dataset = upload_small(empty_client)
    packages = [{"code": f"P{i}", "monthly_premium_idr": 16800} for i in range(51)]
    weights = {f"group{i}": 1.0 for i in range(101)}

    many_packages = empty_client.post(
        "/scenarios", json={"dataset_id": dataset["id"], "scenario": {"packages": packages}}
    )
    many_groups = empty_client.post(
        "/scenarios",
        json={
            "dataset_id": dataset["id"],
            "scenario": {**SMALL_SCENARIO, "group_weights": weights},
        },
    )

    assert many_packages.status_code == 422
    assert many_packages.json()["errors"][0]["field"] == "packages"
    assert many_groups.status_code == 422
    assert many_groups.json()["errors"][0]["field"] == "group_weights"


def test_json_bodies_have_a_size_limit(apps: Any) -> None:
    client = apps.open(load_examples=False, max_body_bytes=10_000)
    scenario = {**SMALL_SCENARIO, "name": "x" * 20_000}

    declared = client.post("/scenarios", json={"dataset_id": 1, "scenario": scenario})

    def chunks() -> Any:
        body = json.dumps({"dataset_id": 1, "scenario": scenario}).encode()
        for at in range(0, len(body), 1000):
            yield body[at : at + 1000]

    streamed = client.post("/scenarios", content=chunks(), headers={"content-type": "application/json"})

    assert declared.status_code == 413
    assert declared.headers["content-type"] == "application/problem+json"
    assert streamed.status_code == 413


def test_error_lists_are_capped_with_a_count_of_the_rest(empty_client: TestClient) -> None:
    response = empty_client.post("/datasets", json={"name": "bad", "rows": list(range(5000))})

    body = response.json()
    assert response.status_code == 422
    assert len(body["errors"]) == 100
    assert body["errors_not_listed"] == 4900


def test_every_bad_row_of_a_huge_table_answers_in_kilobytes(empty_client: TestClient) -> None:
    rows = [HEADER] + [f"32.16.01.{2001 + i},D{i},K,-1,0,x,y,z,1" for i in range(20_000)]

    response = _upload_csv(empty_client, "\n".join(rows) + "\n")

    assert response.status_code == 422
    assert len(response.content) < 100_000
    assert response.json()["errors_not_listed"] > 0


def test_concurrent_revisions_of_one_version_are_201_or_409(
    empty_client: TestClient, upload_small: Uploader
) -> None:
    dataset = upload_small(empty_client)
    created = empty_client.post(
        "/scenarios", json={"dataset_id": dataset["id"], "scenario": SMALL_SCENARIO}
    ).json()

    def revise(i: int) -> int:
        body = {"scenario": {**SMALL_SCENARIO, "name": f"revision {i}"}, "note": str(i)}
        status: int = empty_client.post(f"/scenarios/{created['id']}/versions", json=body).status_code
        return status

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(revise, range(20)))

    assert set(statuses) <= {201, 409}, statuses
    assert 201 in statuses
    versions = empty_client.get(f"/scenarios/{created['id']}").json()["versions"]
    assert versions == list(range(1, statuses.count(201) + 2))


def test_rate_limit_per_client_answers_429_with_retry_after(apps: Any) -> None:
    client = apps.open(load_examples=False, rate_limit_per_minute=5)

    statuses = [client.get("/datasets").status_code for _ in range(6)]
    refused = client.get("/datasets")
    other_token = client.get("/datasets", headers={"Authorization": "Bearer someone-else"})

    assert statuses == [200] * 5 + [429]
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert other_token.status_code != 429
    assert client.get("/health").status_code == 200  # not counted


def test_huge_version_of_a_scenario_that_exists_is_4xx(client: TestClient) -> None:
    scenario_id = client.get("/scenarios").json()["items"][0]["id"]

    read = client.get(f"/scenarios/{scenario_id}/versions/{HUGE}")
    solved = client.post("/solves", json={"scenario_id": scenario_id, "version": HUGE})

    assert read.status_code in (404, 422), read.text
    assert solved.status_code in (404, 422), solved.text


def test_json_rows_beyond_the_village_limit_are_refused_before_each_is_checked(apps: Any) -> None:
    client = apps.open(load_examples=False, max_villages=10)

    response = client.post("/datasets", json={"name": "many", "rows": list(range(11))})

    assert response.status_code == 422
    message = "the table has more than 10 villages; the limit is 10 (split it, e.g. by kabupaten)"
    assert response.json()["errors"] == [{"file": "rows", "message": message}]
