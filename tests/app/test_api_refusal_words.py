"""The API's refusals (404, 409, 413, 415, 422) in words: Bahasa Indonesia by default, English with
`?lang=en` or `Accept-Language: en`; the problem's type, status and `errors[].field` stay the same,
and the detail names a scenario's field by the form's label, not by its JSON path."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

PROBLEM = "application/problem+json"
JSON_PATH = re.compile(r"\b\w+\.\w+_\w+")
ENGLISH = re.compile(r"\b(does not exist|is required|Input should|Field required|refused|bytes|Not Found)\b")


def _both(client: TestClient, method: str, url: str, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The same request answered by default and in English (by the query and by the header)."""
    params = kwargs.pop("params", {})
    said = client.request(method, url, params=params, **kwargs)
    english = client.request(method, url, params={**params, "lang": "en"}, **kwargs)
    headers = {**kwargs.pop("headers", {}), "Accept-Language": "en-US,en;q=0.9"}
    header = client.request(method, url, params=params, headers=headers, **kwargs)
    for answer in (said, english, header):
        assert answer.headers["content-type"] == PROBLEM, answer.text
        assert answer.status_code == said.status_code
    assert english.json() == header.json()
    indonesian, in_english = said.json(), english.json()
    assert indonesian["type"] == in_english["type"] and indonesian["status"] == in_english["status"]
    assert indonesian["title"] != in_english["title"] and indonesian["detail"] != in_english["detail"]
    assert not ENGLISH.search(indonesian["title"] + " " + indonesian["detail"]), indonesian
    return indonesian, in_english


def test_not_found_and_conflicts_are_said_in_indonesian_and_in_english(
    empty_client: TestClient, upload_small: Any, small_scenario: dict[str, Any]
) -> None:
    missing, missing_en = _both(empty_client, "GET", "/scenarios/5")
    assert (missing["status"], missing["title"], missing["detail"]) == (
        404,
        "Tidak ditemukan",
        "Skenario 5 tidak ada.",
    )
    assert (missing_en["title"], missing_en["detail"]) == ("Not found", "Scenario 5 does not exist.")
    nowhere, nowhere_en = _both(empty_client, "GET", "/no-such-thing")
    assert nowhere["detail"] == "Tidak ada apa pun di alamat ini." and nowhere_en["title"] == "Not found"

    dataset = upload_small(empty_client)
    created = empty_client.post("/scenarios", json={"dataset_id": dataset["id"], "scenario": small_scenario})
    scenario_id = created.json()["id"]
    assert empty_client.post(f"/scenarios/{scenario_id}/archive").status_code == 200
    twice, twice_en = _both(empty_client, "POST", f"/scenarios/{scenario_id}/archive")
    assert (twice["status"], twice["title"]) == (409, "Bertentangan")
    assert twice["detail"] == f"Skenario {scenario_id} sudah diarsipkan."
    assert twice_en["detail"] == f"Scenario {scenario_id} is already archived."


def test_too_large_and_unsupported_uploads_are_said_in_words(apps: Any, small_csv: str) -> None:
    client = apps.open(load_examples=False, max_upload_bytes=100)
    large, large_en = _both(client, "POST", "/datasets", files={"file": ("small.csv", small_csv.encode())})
    assert large["status"] == 413 and "batasnya 100 byte" in large["detail"]
    assert "the limit is 100 bytes" in large_en["detail"]

    xml, xml_en = _both(
        client, "POST", "/datasets", content=b"<x/>", headers={"content-type": "application/xml"}
    )
    assert (xml["status"], xml["title"]) == (415, "Jenis isi tidak diterima")
    assert xml["detail"].startswith("Jenis isi 'application/xml' tidak diterima")
    assert xml_en["title"] == "Unsupported media type"


def test_a_refused_scenario_names_its_fields_in_words(
    empty_client: TestClient, upload_small: Any, small_scenario: dict[str, Any]
) -> None:
    dataset = upload_small(empty_client)
    bad = {**small_scenario, "budget": {"dana_desa_share": 1.5, "apbd_pool_idr": 0}}
    refused, refused_en = _both(
        empty_client, "POST", "/scenarios", json={"dataset_id": dataset["id"], "scenario": bad}
    )
    assert refused["status"] == 422 and refused["title"] == "Skenario ditolak"
    assert "Bagian dana desa (%): harus antara 0 dan 1" in refused["detail"], refused["detail"]
    assert not JSON_PATH.search(refused["detail"])
    assert "Share of dana desa (%): must be between 0 and 1" in refused_en["detail"]
    # the errors keep the field as the contract spells it, for programs
    assert refused["errors"][0]["field"] == refused_en["errors"][0]["field"] == "budget.dana_desa_share"


def test_fastapis_own_validation_errors_are_said_in_words(empty_client: TestClient) -> None:
    paged, paged_en = _both(empty_client, "GET", "/datasets", params={"limit": "0", "offset": "x"})
    assert paged["status"] == 422 and paged["title"] == "Permintaan ditolak"
    messages = {e["field"]: e["message"] for e in paged["errors"]}
    assert messages == {
        "query.limit": "paling sedikit 1 (diberikan '0')",
        "query.offset": "harus bilangan bulat (diberikan 'x')",
    }
    assert "parameter 'limit' pada alamat: paling sedikit 1" in paged["detail"]
    english = {e["field"]: e["message"] for e in paged_en["errors"]}
    assert english["query.limit"] == "must be at least 1 (got '0')"
    assert "the parameter 'offset' of the address: must be a whole number" in paged_en["detail"]

    missing, _ = _both(empty_client, "POST", "/scenarios", json={"scenario": {}})
    assert {e["field"]: e["message"] for e in missing["errors"]}["body.dataset_id"] == "wajib diisi"
