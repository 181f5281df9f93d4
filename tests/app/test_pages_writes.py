"""The pages' writes are the API's writes (`app.services.writes`): a viewer and a village operator
are refused every form, a planner only the datasets of another kabupaten, and every write made
through a form is in the audit trail with who, what and from where."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.pages import actuals, comparisons
from app.pages import routes as pages
from app.services import accounts
from app.web.auth import SESSION_COOKIE
from models.tables import Role, UserCreate

TABLE = (
    "village_code,village_name,kecamatan,kabupaten,dana_desa_idr,uninsured_farmers,uninsured_fishers\n"
    "32.16.01.2001,Sagara Makmur,Tarumajaya,Bekasi,1500000000,400,120\n"
    "32.16.01.2002,Segarajaya,Tarumajaya,Bekasi,1400000000,350,200\n"
    "32.16.02.2001,Sukamekar,Babelan,Bekasi,1600000000,500,0\n"
)
SCENARIO_FORM = {
    "name": "Tiga persen",
    "horizon_months": "12",
    "package_code_0": "JKK-JKM",
    "package_premium_0": "16.800",
    "package_value_0": "1",
    "dana_desa_share": "3",
    "add_share": "0",
    "apbd_pool_idr": "0",
    "min_coverage": "0",
    "min_new_enrollments": "0",
    "objective": "max_protection",
}
ACTUALS = "Kode Desa,Bulan,Terdaftar Petani\n32.16.01.2001,2026-01,5\n32.16.02.2001,2026-01,3\n"
OURS = {"Origin": "http://testserver"}  # a form post of the service's own pages


def make_token(client: TestClient, name: str, role: Role, **extra: Any) -> str:
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        user = accounts.create_user(session, UserCreate(name=name, role=role, **extra))
        return accounts.create_token(session, user, "pages").token


class Browser:
    """One signed-in person on the pages: the session cookie, and forms posted from our origin."""

    def __init__(self, client: TestClient, token: str) -> None:
        self.client = client
        self.token = token
        with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
            self.session_id = accounts.open_web_session(session, token, accounts.SessionLimits(3600, 3600))

    def post(self, url: str, **kwargs: Any) -> Any:
        self.client.cookies.clear()
        self.client.cookies.set(SESSION_COOKIE, self.session_id)
        try:
            return self.client.post(url, headers=OURS, follow_redirects=False, **kwargs)
        finally:
            self.client.cookies.clear()


@pytest.fixture
def service(apps: Any) -> TestClient:
    client: TestClient = apps.open(load_examples=False, auth="on")
    return client


@pytest.fixture
def people(service: TestClient) -> dict[str, Any]:
    tokens = {
        "admin": make_token(service, "ana", Role.admin),
        "bekasi": make_token(service, "siti", Role.planner, kabupaten="Bekasi"),
        "karawang": make_token(service, "budi", Role.planner, kabupaten="Karawang"),
        "viewer": make_token(service, "vera", Role.viewer),
        "operator": make_token(service, "kades", Role.operator, village_codes=["32.16.01.2001"]),
    }
    return {
        "api": {name: {"Authorization": f"Bearer {token}"} for name, token in tokens.items()},
        **{name: Browser(service, token) for name, token in tokens.items()},
    }


def upload_form(browser: Browser, name: str = "Bekasi 2026", text: str = TABLE) -> Any:
    return browser.post(
        "/ui/datasets", files={"file": ("desa.csv", text.encode(), "text/csv")}, data={"name": name}
    )


def made_id(answer: Any, pattern: str) -> int:
    assert answer.status_code == 303, answer.text[:500]
    found = re.fullmatch(pattern, answer.headers["location"])
    assert found, answer.headers["location"]
    return int(found.group(1))


def finished_plan(service: TestClient, admin: dict[str, str], job_id: int) -> int:
    deadline = time.monotonic() + 60
    while (job := service.get(f"/jobs/{job_id}", headers=admin).json())["plan_id"] is None:
        assert job["status"] in ("queued", "running"), job
        assert time.monotonic() < deadline, job
        time.sleep(0.1)
    return int(job["plan_id"])


def trail(service: TestClient, admin: dict[str, str]) -> list[dict[str, Any]]:
    answer = service.get("/audit", params={"limit": 1000}, headers=admin)
    events: list[dict[str, Any]] = answer.json()["items"]
    return events


def stored(service: TestClient, admin: dict[str, str]) -> dict[str, int]:
    return {
        what: service.get(
            f"/{what}", params={"include_archived": True} if what == "scenarios" else {}, headers=admin
        ).json()["total"]
        for what in ("datasets", "scenarios", "jobs", "plans", "comparisons")
    }


@pytest.fixture
def work(service: TestClient, people: dict[str, Any]) -> dict[str, int]:
    """Made by the Bekasi planner through the pages: a dataset, a scenario, a solved plan."""
    planner = people["bekasi"]
    dataset = made_id(upload_form(planner), r"/ui/datasets/(\d+)")
    scenario = made_id(
        planner.post("/ui/scenarios", data={**SCENARIO_FORM, "dataset_id": str(dataset)}),
        r"/ui/scenarios/(\d+)",
    )
    job = made_id(planner.post(f"/ui/scenarios/{scenario}/solve", data={"version": "1"}), r"/ui/jobs/(\d+)")
    plan = finished_plan(service, people["api"]["admin"], job)
    actuals = made_id(
        planner.post(
            f"/ui/plans/{plan}/actuals", files={"file": ("laporan.csv", ACTUALS.encode(), "text/csv")}
        ),
        r"/ui/actuals/(\d+)",
    )
    return {"dataset": dataset, "scenario": scenario, "job": job, "plan": plan, "actuals": actuals}


def page_writes() -> list[str]:
    """Every form the pages take (signing in and out are app.pages.login's, open to all)."""
    routers = (pages.router, comparisons.router, actuals.router)
    return sorted(route.path for router in routers for route in router.routes if "POST" in route.methods)


def attempts(work: dict[str, int]) -> dict[str, dict[str, Any]]:
    """One filled-in post of every form, on the Bekasi planner's work."""
    return {
        "/ui/datasets": {"files": {"file": ("desa.csv", TABLE.encode(), "text/csv")}, "data": {"name": "x"}},
        "/ui/scenarios": {"data": {**SCENARIO_FORM, "dataset_id": str(work["dataset"])}},
        "/ui/scenarios/{scenario_id}/versions": {"data": {**SCENARIO_FORM, "note": "more"}},
        "/ui/scenarios/{scenario_id}/archive": {},
        "/ui/scenarios/{scenario_id}/unarchive": {},
        "/ui/scenarios/{scenario_id}/solve": {"data": {"version": "1"}},
        "/ui/jobs/{job_id}/cancel": {},
        "/ui/compare": {"data": {"baseline_plan_id": str(work["plan"]), "plan_ids": [str(work["plan"])]}},
        "/ui/plans/{plan_id}/actuals": {"files": {"file": ("laporan.csv", ACTUALS.encode(), "text/csv")}},
        "/ui/actuals/{actuals_id}/replan": {},
    }


def url(path: str, work: dict[str, int]) -> str:
    return path.format(
        scenario_id=work["scenario"], job_id=work["job"], plan_id=work["plan"], actuals_id=work["actuals"]
    )


@pytest.mark.parametrize("who", ["viewer", "operator", "karawang"])
def test_every_form_refuses_those_who_may_not_write_there(
    service: TestClient, people: dict[str, Any], work: dict[str, int], who: str
) -> None:
    admin = people["api"]["admin"]
    forms = attempts(work)
    assert page_writes() == sorted(forms)  # a new form must be added here, and refused
    before, events_before = stored(service, admin), len(trail(service, admin))

    answers = {path: people[who].post(url(path, work), **form).status_code for path, form in forms.items()}

    assert answers == {path: 403 for path in forms}
    assert stored(service, admin) == before  # nothing stored
    assert len(trail(service, admin)) == events_before  # and nothing recorded


def test_a_planner_of_another_kabupaten_is_told_why(
    service: TestClient, people: dict[str, Any], work: dict[str, int]
) -> None:
    refused = people["karawang"].post(f"/ui/scenarios/{work['scenario']}/archive")
    assert refused.status_code == 403
    assert "text/html" in refused.headers["content-type"]  # a page, not problem+json
    assert "Anda tidak berhak melakukan ini" in refused.text  # in the page's language
    assert "kabupaten &#39;Karawang&#39;" in refused.text and "Bekasi" in refused.text
    # nor may it upload a table of Bekasi villages through the form
    assert upload_form(people["karawang"]).status_code == 403


def test_every_write_through_the_pages_is_in_the_audit_trail(
    service: TestClient, people: dict[str, Any], work: dict[str, int]
) -> None:
    planner, admin = people["bekasi"], people["api"]["admin"]
    scenario = work["scenario"]
    revised = planner.post(f"/ui/scenarios/{scenario}/versions", data={**SCENARIO_FORM, "note": "more"})
    assert revised.headers["location"] == f"/ui/scenarios/{scenario}?version=2"
    assert planner.post(f"/ui/scenarios/{scenario}/archive").status_code == 303
    assert service.get(f"/scenarios/{scenario}", headers=admin).json()["archived"] is True
    assert planner.post(f"/ui/scenarios/{scenario}/unarchive").status_code == 303
    job = made_id(planner.post(f"/ui/scenarios/{scenario}/solve", data={"version": "2"}), r"/ui/jobs/(\d+)")
    plan = finished_plan(service, admin, job)
    compared = made_id(
        planner.post("/ui/compare", data={"baseline_plan_id": str(work["plan"]), "plan_ids": [str(plan)]}),
        r"/ui/comparisons/(\d+)",
    )

    events = list(reversed(trail(service, admin)))  # oldest first
    assert [(e["action"], e["target"]) for e in events] == [
        ("dataset.upload", f"dataset/{work['dataset']}"),
        ("scenario.create", f"scenario/{scenario}"),
        ("solve", f"job/{work['job']}"),
        ("actuals.upload", f"actuals/{work['actuals']}"),
        ("scenario.revise", f"scenario/{scenario}"),
        ("scenario.archive", f"scenario/{scenario}"),
        ("scenario.unarchive", f"scenario/{scenario}"),
        ("solve", f"job/{job}"),
        ("comparison.create", f"comparison/{compared}"),
    ]
    assert {e["user_name"] for e in events} == {"siti"}  # who
    assert {e["client"] for e in events} == {"testclient"}  # from where
    assert all(e["at"] for e in events)  # when
    assert events[0]["detail"] == {"name": "Bekasi 2026", "villages": 3}  # what
    assert events[4]["detail"]["note"] == "more"
    # the upload belongs to the planner's kabupaten: another planner of Bekasi may build on it
    dataset = service.get(f"/datasets/{work['dataset']}", headers=admin).json()
    assert dataset["kabupaten"] == ["Bekasi"]


def test_cancelling_a_finished_job_through_the_pages_is_refused_and_not_recorded(
    service: TestClient, people: dict[str, Any], work: dict[str, int]
) -> None:
    admin = people["api"]["admin"]
    finished = people["bekasi"].post(f"/ui/jobs/{work['job']}/cancel")
    assert finished.status_code == 409  # the job had already finished: nothing to cancel
    assert "job.cancel" not in {e["action"] for e in trail(service, admin)}
