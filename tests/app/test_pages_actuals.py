"""The mid-year task on the pages, through the ASGI interface: actuals uploaded on the plan page
(refused ones listed row by row, nothing stored), the achievement page with the villages and
kecamatan behind and the money per source, its workbook, the re-plan button, and the re-plan
titled in the page's language and linked both ways to its plan and its actuals."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from scenarios.examples import BEKASI_VILLAGES

ACTUALS = BEKASI_VILLAGES.parent / "bekasi_actuals_2026-06.csv"


def _section(page: str, section_id: str) -> str:
    found = re.search(rf'<section id="{section_id}".*?</section>', page, re.S)
    assert found, f"no section {section_id}"
    return found.group(0)


def _example_plan(client: TestClient) -> dict[str, Any]:
    """The shipped dd3_officials example solved (the plan the example actuals report on)."""
    scenarios = client.get("/scenarios").json()["items"]
    scenario = next(s for s in scenarios if s["slug"].replace("-", "_") == "dd3_officials")
    solved = client.post("/solves", json={"scenario_id": scenario["id"]})
    assert solved.status_code == 200, solved.text
    plan: dict[str, Any] = solved.json()
    return plan


def test_actuals_uploaded_on_the_plan_page_lead_to_the_achievement_and_the_replan(
    client: TestClient,
) -> None:
    plan = _example_plan(client)
    page = client.get(f"/ui/plans/{plan['id']}").text
    assert f'action="/ui/plans/{plan["id"]}/actuals"' in page and "Unggah realisasi" in page

    uploaded = client.post(
        f"/ui/plans/{plan['id']}/actuals",
        files={"file": ("laporan_juni.csv", ACTUALS.read_bytes(), "text/csv")},
        data={"name": "Laporan Juni"},
        follow_redirects=False,
    )

    assert uploaded.status_code == 303, uploaded.text[:2000]
    actuals_url = uploaded.headers["location"]
    actuals_id = int(actuals_url.rsplit("/", 1)[1])
    result = client.get(f"/actuals/{actuals_id}").json()
    achievement = client.get(actuals_url).text
    assert "Rencana dibanding realisasi" in achievement
    assert f'href="/ui/plans/{plan["id"]}"' in achievement
    behind = re.findall(r"<small>(32\.16\.[\d.]+)</small>", _section(achievement, "villages-behind"))
    expected = sorted(
        (v for v in result["villages"] if v["behind"]), key=lambda v: (-v["gap_to_date"], v["village_code"])
    )
    assert behind == [v["village_code"] for v in expected][: len(behind)] and behind
    sources = _section(achievement, "sources")
    assert "Terpakai" in sources and "Terikat untuk bulan-bulan sisa" in sources
    assert 'data-source="dana_desa"' in sources
    assert re.search(r"Rp\d{1,3}(\.\d{3})+", sources)
    workbook = client.get(f"/actuals/{actuals_id}.xlsx", params={"lang": "id"})
    assert f'href="/actuals/{actuals_id}.xlsx?lang=id"' in achievement and workbook.status_code == 200
    assert f'href="/ui/actuals/{actuals_id}"' in client.get(f"/ui/plans/{plan['id']}").text

    replanned = client.post(f"/ui/actuals/{actuals_id}/replan", follow_redirects=False)

    assert replanned.status_code == 303
    replan_url = replanned.headers["location"]
    replan_id = int(replan_url.rsplit("/", 1)[1])
    replan = client.get(replan_url).text
    assert re.search(r"<h1>Rencana \d+: [^<]+ \(rencana ulang setelah bulan ke-6\)</h1>", replan), re.search(
        r"<h1>.*?</h1>", replan
    )
    assert "re-plan" not in replan
    assert f'id="source-plan-link" href="/ui/plans/{plan["id"]}"' in replan
    assert f'id="source-actuals-link" href="/ui/actuals/{actuals_id}"' in replan
    assert f'href="/ui/plans/{replan_id}"' in client.get(f"/ui/plans/{plan['id']}").text
    assert f'href="/ui/plans/{replan_id}"' in client.get(actuals_url).text
    home = client.get("/").text  # the plan lists say it in the page's language too
    assert "(rencana ulang setelah bulan ke-6)" in home and "re-plan after" not in home
    english = client.get(replan_url, params={"lang": "en"}).text
    assert re.search(r"<h1>Plan \d+: [^<]+ \(re-plan after month 6\)</h1>", english)


def test_refused_actuals_list_every_bad_row_and_store_nothing(client: TestClient) -> None:
    plan = _example_plan(client)
    bad = ACTUALS.read_text(encoding="utf-8").splitlines()
    bad[2] = bad[2].replace(";8;", ";delapan;", 1)
    bad[3] = "99.99.99.9999" + bad[3][bad[3].index(";") :]

    refused = client.post(
        f"/ui/plans/{plan['id']}/actuals", files={"file": ("juni.csv", "\n".join(bad).encode(), "text/csv")}
    )

    assert refused.status_code == 422
    assert "Realisasi ditolak; tidak ada yang disimpan." in refused.text
    rows = re.findall(r'<tr><td>juni.csv</td><td class="num">(\d+)</td>', refused.text)
    assert {"3", "4"} <= set(rows), refused.text[-3000:]
    assert client.get(f"/plans/{plan['id']}/actuals").json()["total"] == 0
