"""The plan page answers the meeting, through the ASGI interface: whole workers by default, a
continuous plan labelled as such, why each group got what it got (in words, not points), what one
more billion buys in workers, where one more million does most, and how a shortfall and the APBD
pool add up; and the shipped Bekasi example solvable by a Bekasi planner."""

from __future__ import annotations

import re
import time
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.i18n import speaker
from app.services import accounts
from models.tables import Role, UserCreate

FORM = {
    "name": "Dua persen",
    "horizon_months": "12",
    "package_code_0": "JKK-JKM",
    "package_premium_0": "16.800",
    "package_value_0": "1",
    "package_code_1": "JKK-JKM-JHT",
    "package_premium_1": "36.800",
    "package_value_1": "1,3",
    "weight_fishers": "2",
    "dana_desa_share": "2",
    "add_share": "0",
    "apbd_pool_idr": "100.000.000",
    "min_coverage": "0",
    "min_new_enrollments": "0",
    "objective": "max_protection",
}


def _plan(client: TestClient, **values: str) -> int:
    """A scenario made through the form on the Bekasi example, solved; its plan's id."""
    created = client.post("/ui/scenarios", data={"dataset_id": "1", **FORM, **values}, follow_redirects=False)
    assert created.status_code == 303, created.text[:2000]
    job = client.post(f"{created.headers['location']}/solve", data={}, follow_redirects=False)
    job_id = job.headers["location"].rsplit("/", 1)[1]
    for _ in range(600):
        answer: dict[str, Any] = client.get(f"/jobs/{job_id}").json()
        if answer["status"] not in ("queued", "running"):
            assert answer["status"] == "succeeded", answer
            return int(answer["plan_id"])
        time.sleep(0.1)
    raise AssertionError("the job did not finish")


def _section(page: str, section_id: str) -> str:
    found = re.search(rf'<section id="{section_id}".*?</section>', page, re.S)
    assert found, f"no section {section_id}"
    return found.group(0)


def test_a_new_scenario_plans_whole_workers_unless_unticked(client: TestClient) -> None:
    form = client.get("/ui/scenarios/new", params={"dataset_id": 1}).text

    assert re.search(r'<input type="checkbox" name="integer" value="1" checked>', form)
    # a box left unticked is a continuous plan, as typed
    refused = client.post("/ui/scenarios", data={"dataset_id": "1", **FORM, "dana_desa_share": "x"})
    assert refused.status_code == 422
    assert re.search(r'<input type="checkbox" name="integer" value="1" >', refused.text)


def test_a_continuous_plan_says_so_wherever_its_counts_show(client: TestClient) -> None:
    continuous = _plan(client)
    whole = _plan(client, integer="1", name="Dua persen, pekerja utuh")

    page = client.get(f"/ui/plans/{continuous}").text
    assert 'id="continuous-label">rencana pecahan (pekerja belum dibulatkan)' in page
    assert 'id="continuous-note"' in page
    # the totals, the kecamatan and the village tables all head their counts as fractions
    assert page.count("Peserta baru (pecahan pekerja)") >= 3
    assert "tidak dihitung untuk rencana bilangan bulat" not in page
    pools = _section(page, "pools")
    assert re.search(r"sekitar [\d.]+ pekerja lagi", pools), pools
    assert "tujuan" not in pools  # workers, not objective points
    home = client.get("/").text
    assert re.search(rf'href="/ui/plans/{continuous}">(?:(?!</tr>).)*\(rencana pecahan', home, re.S)
    assert not re.search(rf'href="/ui/plans/{whole}">(?:(?!</tr>).)*\(rencana pecahan', home, re.S)

    whole_page = client.get(f"/ui/plans/{whole}").text
    assert "pekerja bilangan bulat" in whole_page
    assert 'id="continuous-note"' not in whole_page and "pecahan pekerja" not in whole_page
    assert re.search(r"sekitar [\d.]+ pekerja lagi", _section(whole_page, "pools"))


def test_the_plan_page_says_why_each_group_got_what_it_got(client: TestClient) -> None:
    plan_id = _plan(client, integer="1")
    plan = client.get(f"/plans/{plan_id}").json()
    say = speaker("id")

    reasons = _section(client.get(f"/ui/plans/{plan_id}").text, "group-reasons")

    items = re.findall(r"<li><strong>([^<]+):</strong> ([^<]+)</li>", reasons)
    shown = [r for r in plan["group_reasons"] if r["uninsured"]]
    assert [name for name, _ in items] == [say.group(r["group"]).capitalize() for r in shown]
    for (_name, text), r in zip(items, shown, strict=True):
        assert text.startswith(
            f"{say.fmt.count(r['new_enrollments'])} dari {say.fmt.number(r['uninsured'])} pekerjanya"
        ), text
        assert f"satu pekerja berbiaya {say.fmt.rupiah(r['cheapest_cost_idr'])}" in text
        assert "poin" not in text and "tujuan" not in text
    fishers = dict(items)[say.group("fishers").capitalize()]
    assert "setiap pekerjanya dihitung 2 kali" in fishers
    best = max(shown, key=lambda r: r["value_per_million"])
    assert "perlindungan per rupiah terbesar" in dict(items)[say.group(best["group"]).capitalize()]

    english = _section(client.get(f"/ui/plans/{plan_id}", params={"lang": "en"}).text, "group-reasons")
    assert "Why each group got what it got" in english and "the most protection per rupiah" in english


def test_the_plan_page_shows_where_one_more_million_does_most(client: TestClient) -> None:
    plan_id = _plan(client, integer="1")
    marginals = client.get(f"/plans/{plan_id}/marginals", params={"top": 10}).json()

    section = _section(client.get(f"/ui/plans/{plan_id}").text, "next-million")

    assert "Di mana tambahan satu juta paling berguna" in section
    rows = re.findall(r"<tr><td>([^<]+) <small>(32\.16\.[\d.]+)</small></td>", section)
    assert [code for _, code in rows] == [v["village_code"] for v in marginals["top"]][:10]
    assert len(rows) == min(10, len(marginals["top"])) > 0
    assert "(perkiraan sebelum pembulatan ke pekerja utuh)" in section  # a whole-worker plan
    assert 'id="top-kecamatan"' in section
    helped = {k["kecamatan"] for k in marginals["kecamatan"] if k["villages_where_money_helps"] > 0}
    kecamatan = re.findall(r"<tr><td>([^<(]+?)(?: \([^)]*\))?</td><td class=\"num\">\d+ / \d+</td>", section)
    assert kecamatan and set(kecamatan) <= helped
    english = client.get(f"/ui/plans/{plan_id}", params={"lang": "en"}).text
    assert "Where one more million does most" in english and "Workers per Rp1 million more" in english


def test_an_infeasible_plan_says_how_the_shortfall_and_the_pool_add_up(client: TestClient) -> None:
    plan_id = _plan(client, dana_desa_share="0,01", apbd_pool_idr="1.500.000.000", min_coverage="60")
    plan = client.get(f"/plans/{plan_id}").json()
    assert plan["status"] == "infeasible"
    short = client.get(f"/plans/{plan_id}/shortfalls").json()["short_villages"]
    lack = sum(s["shortfall_idr"] for s in short)
    gap = next(e["shortfall_idr"] for e in plan["explanations"] if e["constraint"] == "coverage_floors")
    assert abs(lack - gap - 1.5e9) < 1.0  # the pool is the difference

    page = client.get(f"/ui/plans/{plan_id}").text

    found = re.search(
        r'<p class="arithmetic">Bersama-sama desa-desa kekurangan (Rp[\d,]+ \w+) untuk '
        r"membayar batas bawah cakupannya; dana APBD Rp1,5 miliar menutup sebagian, jadi "
        r"(Rp[\d,]+ \w+) dikurangi Rp1,5 miliar menyisakan kekurangan (Rp[\d,]+ \w+)\.</p>",
        page,
    )
    assert found, re.search(r'id="explanations".{0,1500}', page, re.S)
    assert found.group(1) == found.group(2)
    english = client.get(f"/ui/plans/{plan_id}", params={"lang": "en"}).text
    assert re.search(
        r"the APBD pool of Rp1,5 billion covers part of it, so Rp[\d,]+ \w+ less Rp1,5 "
        r"billion leaves Rp[\d,]+ \w+ missing",
        english,
    )  # English words, Indonesian numbers


def _planner(service: TestClient, name: str, kabupaten: str) -> dict[str, str]:
    with Session(service.app.state.engine) as session:  # type: ignore[attr-defined]
        user = accounts.create_user(session, UserCreate(name=name, role=Role.planner, kabupaten=kabupaten))
        return {"Authorization": f"Bearer {accounts.create_token(session, user, 'test').token}"}


def test_a_bekasi_planner_solves_the_shipped_bekasi_example(apps: Any) -> None:
    service: TestClient = apps.open(auth="on")  # the example loaded, as on a first start
    planners = [_planner(service, "siti", "Bekasi"), _planner(service, "eko", "Kabupaten Bekasi")]
    city = _planner(service, "kota", "Kota Bekasi")  # the city is another place
    assert service.get("/datasets/1", headers=city).json()["kabupaten"] == ["Kabupaten Bekasi"]
    scenario = service.get("/scenarios", headers=city).json()["items"][0]

    assert service.post("/solves", json={"scenario_id": scenario["id"]}, headers=city).status_code == 403
    for planner in planners:
        answer = service.post("/solves", json={"scenario_id": scenario["id"]}, headers=planner)
        assert answer.status_code in (200, 202), answer.text


JARGON = re.compile(
    r"kontinu|relaksasi|\bLP\b|[Nn]ilai tujuan|tujuan bertambah|branch and bound|"
    r"\bobjective\b|\bpoin\b"
)


def test_the_indonesian_plan_pages_speak_without_solver_words(client: TestClient) -> None:
    pages = [
        client.get(f"/ui/plans/{_plan(client, **values)}").text
        for values in (
            {},
            {"integer": "1"},
            {"dana_desa_share": "0,01", "apbd_pool_idr": "1.500.000.000", "min_coverage": "60"},
        )
    ]

    for page in pages:
        visible = re.sub(r"<script.*?</script>|<[^>]+>", " ", page, flags=re.S)
        assert not JARGON.search(visible), JARGON.search(visible)
