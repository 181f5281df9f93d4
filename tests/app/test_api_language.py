"""The API's refusals (401, 403) in the caller's language: `?lang=`, the pages' language cookie,
`Accept-Language`, else Bahasa Indonesia. Types, statuses and headers stay the same in each."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from test_auth import bearer, make_user

from app.i18n import accepted_lang, chosen_lang
from models.tables import Role

SMALL = (
    "village_code,village_name,kecamatan,kabupaten,dana_desa_idr,uninsured_farmers\n"
    "32.16.01.2001,Sagara Makmur,Tarumajaya,Kabupaten Bekasi,1500000000,400\n"
)
KARAWANG = SMALL.replace("Kabupaten Bekasi", "Kabupaten Karawang")
SCENARIO = {
    "name": "2%",
    "packages": [{"code": "JKK-JKM", "monthly_premium_idr": 16800}],
    "budget": {"dana_desa_share": 0.02},
}


def _upload(service: TestClient, headers: dict[str, str], table: str = SMALL) -> Any:
    return service.post(
        "/datasets", files={"file": ("desa.csv", table.encode(), "text/csv")}, headers=headers
    )


def test_the_language_is_the_query_then_the_cookie_then_accept_language_then_indonesian() -> None:
    assert accepted_lang("en-US,en;q=0.9,id;q=0.8") == "en"
    assert accepted_lang("fr-FR, id;q=0.3, en;q=0.2") == "id"
    assert accepted_lang("en;q=0, id;q=0.1") == "id"
    assert accepted_lang("de, *;q=0.5") is None
    assert chosen_lang("en", "id", "id") == "en"
    assert chosen_lang(None, "en", "id") == "en"
    assert chosen_lang("xx", None, "en-GB") == "en"
    assert chosen_lang(None, None, None) == "id"


def test_sign_in_refusals_speak_indonesian_by_default_and_english_on_request(apps: Any) -> None:
    service: TestClient = apps.open(load_examples=False, auth="on")

    indonesian = service.get("/datasets")
    english = service.get("/datasets", headers={"Accept-Language": "en-US,en;q=0.9"})
    bad_token = service.get("/datasets", headers={**bearer("dp_x"), "Accept-Language": "id-ID"})

    for answer in (indonesian, english, bad_token):
        assert answer.status_code == 401
        assert answer.json()["type"] == "/problems/unauthorized"
        assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert indonesian.json()["title"] == "Perlu masuk"
    assert indonesian.json()["detail"].startswith("Kirim token API: 'Authorization: Bearer dp_...'")
    assert english.json()["title"] == "Authentication required"
    assert english.json()["detail"].startswith("Send an API token: 'Authorization: Bearer dp_...'")
    assert bad_token.json()["detail"] == "Token tidak berlaku (tidak dikenal, dicabut, atau salah ketik)."


def test_role_and_kabupaten_refusals_in_the_callers_language(apps: Any) -> None:
    service: TestClient = apps.open(load_examples=False, auth="on")
    viewer = bearer(make_user(service, "vina", Role.viewer))
    operator = bearer(make_user(service, "kades", Role.operator, village_codes=["32.16.01.2001"]))
    bekasi = bearer(make_user(service, "siti", Role.planner, kabupaten="Kabupaten Bekasi"))
    karawang = bearer(make_user(service, "dewi", Role.planner, kabupaten="Kabupaten Karawang"))
    dataset = _upload(service, bekasi).json()

    role_id = _upload(service, viewer)
    role_en = _upload(service, {**viewer, "Accept-Language": "en"})
    path_id = service.get("/datasets", headers=operator)
    path_en = service.get("/datasets", params={"lang": "en"}, headers=operator)
    table_id = _upload(service, bekasi, KARAWANG)
    scenario = {"dataset_id": dataset["id"], "scenario": SCENARIO}
    kabupaten_id = service.post("/scenarios", json=scenario, headers=karawang)
    service.cookies.set("desaplan_lang", "en")
    kabupaten_en = service.post("/scenarios", json=scenario, headers={**karawang, "Accept-Language": "id"})
    service.cookies.clear()

    answers = [role_id, role_en, path_id, path_en, table_id, kabupaten_id, kabupaten_en]
    assert [a.status_code for a in answers] == [403] * len(answers)
    assert {a.json()["type"] for a in answers} == {"/problems/forbidden"}
    assert {role_id.json()["title"], role_en.json()["title"]} == {"Tidak diizinkan", "Not allowed"}
    assert role_id.json()["detail"] == "Pengguna 'vina' (viewer) tidak boleh POST /datasets."
    assert role_en.json()["detail"] == "User 'vina' (viewer) may not POST /datasets."
    assert path_id.json()["detail"] == "Pengguna 'kades' (operator) tidak boleh GET /datasets."
    assert path_en.json()["detail"] == "User 'kades' (operator) may not GET /datasets."
    assert table_id.json()["detail"] == (
        "Pengguna 'siti' merencanakan untuk kabupaten 'Kabupaten Bekasi'; tabel ini juga menyebut "
        "Kabupaten Karawang."
    )
    assert kabupaten_id.json()["detail"] == (
        f"Pengguna 'dewi' merencanakan untuk kabupaten 'Kabupaten Karawang'; dataset {dataset['id']} "
        "milik kabupaten 'Kabupaten Bekasi'."
    )
    assert kabupaten_en.json()["detail"] == (
        f"User 'dewi' plans for kabupaten 'Kabupaten Karawang'; dataset {dataset['id']} belongs to "
        "kabupaten 'Kabupaten Bekasi'."
    )
    assert service.get("/datasets", headers=viewer).json()["total"] == 1  # nothing else stored


def test_a_cross_site_write_is_refused_in_the_callers_language(apps: Any) -> None:
    service: TestClient = apps.open(load_examples=False)
    evil = {"Origin": "https://evil.example"}

    indonesian = _upload(service, evil)
    english = _upload(service, {**evil, "Accept-Language": "en"})

    assert (indonesian.status_code, english.status_code) == (403, 403)
    assert indonesian.json()["type"] == english.json()["type"] == "/problems/cross-site"
    assert indonesian.json()["detail"].startswith("Perubahan dari https://evil.example ke layanan ini")
    assert english.json()["detail"].startswith("A write from https://evil.example to this service")
