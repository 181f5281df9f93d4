"""`desaplan actuals` and `desaplan replan` on the Kabupaten Bekasi example through June 2026."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from app.cli import main
from models import Plan, Status
from scenarios.examples import BEKASI_RULES_2026, BEKASI_VILLAGES, bekasi_scenarios

EXAMPLES = BEKASI_VILLAGES.parent
ACTUALS = EXAMPLES / "bekasi_actuals_2026-06.csv"
SCENARIO = bekasi_scenarios()["dd3_officials"]


@pytest.fixture(scope="module")
def plan_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plan")
    assert (
        main(
            [
                "solve",
                "--villages",
                str(BEKASI_VILLAGES),
                "--scenario",
                str(SCENARIO),
                "--out",
                str(out),
                "--quiet",
                "--workers",
                "1",
            ]
        )
        == 0
    )
    return out / "plan.json"


def _common(plan_json: Path, out: Path, actuals: Path = ACTUALS) -> list[str]:
    return [
        "--villages",
        str(BEKASI_VILLAGES),
        "--scenario",
        str(SCENARIO),
        "--plan",
        str(plan_json),
        "--actuals",
        str(actuals),
        "--out",
        str(out),
    ]


def test_actuals_writes_the_comparison_and_says_who_is_behind(
    plan_json: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["actuals", *_common(plan_json, tmp_path), "--lang", "id"]) == 0
    printed = capsys.readouterr().out
    assert "Rencana dibanding realisasi sampai bulan 6 dari 12" in printed
    assert "Desa tertinggal:" in printed
    with (tmp_path / "actuals_villages.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 187
    with ACTUALS.open(encoding="utf-8") as f:
        reported = sum(
            sum(int(v) for k, v in row.items() if k.startswith("Terdaftar"))
            for row in csv.DictReader(f, delimiter=";")
        )
    assert sum(int(r["actual"]) for r in rows) == reported
    plan = Plan.model_validate_json(plan_json.read_bytes())
    planned = {v.village_code: v.new_enrollments for v in plan.villages}
    for row in rows:
        expected = planned[row["village_code"]] * 6 / 12
        assert (row["behind"] == "1") == (int(row["actual"]) < expected - 1e-9)
    assert (tmp_path / "actuals.xlsx").stat().st_size > 0
    comparison = json.loads((tmp_path / "actuals.json").read_text())
    assert comparison["through_month"] == 6 and comparison["totals"]["actual"] == reported


def test_replan_keeps_the_actuals_funded_and_pins_what_it_came_from(plan_json: Path, tmp_path: Path) -> None:
    assert main(["replan", *_common(plan_json, tmp_path), "--lang", "en"]) == 0
    new_plan = Plan.model_validate_json((tmp_path / "plan.json").read_bytes())
    assert new_plan.status == Status.optimal and (tmp_path / "targets.csv").is_file()
    basis = new_plan.replan
    assert basis is not None and basis.check is not None and basis.check.ok
    assert basis.source_plan == str(plan_json) and basis.source_plan_sha256 and basis.actuals_sha256
    assert (basis.through_month, basis.months_remaining) == (6, 6)
    scenario = json.loads((tmp_path / "replan_scenario.json").read_text())
    assert scenario["horizon_months"] == 6
    # the re-plan's money is what was free: never the premiums already paid or committed
    assert new_plan.totals is not None
    assert new_plan.totals.spend_dana_desa_idr <= basis.free_dana_desa_idr + 1
    assert new_plan.totals.spend_apbd_idr <= basis.free_apbd_idr + 1
    old = Plan.model_validate_json(plan_json.read_bytes())
    assert old.totals is not None
    enrolled_before = old.totals.workers_enrolled_before + basis.actual_enrollments
    assert new_plan.totals.workers_enrolled_before == enrolled_before


def test_a_bad_actuals_file_is_exit_2_naming_file_row_and_column(
    plan_json: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "laporan.csv"
    bad.write_text("Kode Desa;Bulan;Terdaftar Petani\n32.16.01.2001;2026-02;banyak\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["actuals", *_common(plan_json, out, bad)]) == 2
    err = capsys.readouterr().err
    assert "laporan.csv, row 2, column 'Terdaftar Petani'" in err
    assert not out.exists() or not any(out.iterdir())
    assert main(["replan", *_common(plan_json, out, bad)]) == 2
    assert not out.exists() or not any(out.iterdir())


def test_a_through_month_beyond_the_horizon_is_exit_2(
    plan_json: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replan", *_common(plan_json, tmp_path), "--through-month", "13"]) == 2
    assert "through_month" in capsys.readouterr().err


def test_a_replan_is_not_the_plan_actuals_are_read_against(
    plan_json: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replan", *_common(plan_json, tmp_path / "re")]) == 0
    capsys.readouterr()
    assert main(["actuals", *_common(tmp_path / "re" / "plan.json", tmp_path / "out")]) == 2
    assert "is a re-plan of" in capsys.readouterr().err


RULES_ACTUALS = EXAMPLES / "bekasi_actuals_2026-07_rules.csv"


@pytest.fixture(scope="module")
def rules_plan_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Fiscal year 2026 from April, priced by the contribution rules."""
    out = tmp_path_factory.mktemp("rules_plan")
    args = [
        "solve",
        "--villages",
        str(BEKASI_VILLAGES),
        "--scenario",
        str(BEKASI_RULES_2026),
        "--out",
        str(out),
        "--quiet",
        "--workers",
        "1",
    ]
    assert main(args) == 0
    return out / "plan.json"


def _rules_common(plan_json: Path, out: Path) -> list[str]:
    return [
        "--villages",
        str(BEKASI_VILLAGES),
        "--scenario",
        str(BEKASI_RULES_2026),
        "--plan",
        str(plan_json),
        "--actuals",
        str(RULES_ACTUALS),
        "--out",
        str(out),
    ]


def _worker_months(through: int) -> dict[str, int]:
    """Per village: the months of premium its reported workers have had through `through`
    (the report's months run from April 2026, month 1 of the plan)."""
    months: dict[str, int] = {}
    with RULES_ACTUALS.open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter=";"):
            n = sum(int(v) for k, v in row.items() if k.startswith("Terdaftar"))
            month = int(row["Bulan"][5:]) - 3
            months[row["Kode Desa"]] = months.get(row["Kode Desa"], 0) + n * (through - month + 1)
    return months


def test_a_rules_priced_plan_against_july_actuals_by_sector_and_source(
    rules_plan_json: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """April to July 2026 of the Bekasi plan priced by the rules: every month paid was Rp8,400
    (JKK-JKM halved by PP 50/2025) where the village's own money paid, Rp16,800 where the APBD
    pool paid; the files read back as CSV and XLSX agree."""
    import openpyxl

    from app.i18n import gettext_for
    from scenarios.actuals_writers import label

    plan = Plan.model_validate_json(rules_plan_json.read_bytes())
    assert plan.months[0] == "2026-04" and plan.rules is not None
    assert all(
        sum(v.enrollments.get(g, {}).get("JKK-JKM-JHT", 0) for g in plan.groups) == 0 for v in plan.villages
    )  # every worker is in JKK-JKM
    assert main(["actuals", *_rules_common(rules_plan_json, tmp_path), "--lang", "id"]) == 0
    assert "Rencana dibanding realisasi sampai bulan 4 dari 9" in capsys.readouterr().out
    with (tmp_path / "actuals_villages.csv").open(encoding="utf-8") as f:
        villages = {r["village_code"]: r for r in csv.DictReader(f)}
    paid = _worker_months(4)
    assert set(paid) <= set(villages)
    for code, row in villages.items():
        own = float(row["spent_dana_desa_idr"]) + float(row["spent_add_idr"])
        months = own / 8_400 + float(row["spent_apbd_idr"]) / 16_800
        assert months == pytest.approx(paid.get(code, 0), abs=2 / 8_400)
    assert any(float(r["spent_apbd_idr"]) > 0 for r in villages.values())  # the kelurahan: the pool

    with (tmp_path / "actuals_sources.csv").open(encoding="utf-8") as f:
        sources = {r["source"]: r for r in csv.DictReader(f)}
    for source, column in (("dana_desa", "spent_dana_desa_idr"), ("apbd_pool", "spent_apbd_idr")):
        assert float(sources[source]["spent_idr"]) == sum(float(r[column]) for r in villages.values())
    book = openpyxl.load_workbook(tmp_path / "actuals.xlsx", read_only=True)
    money = list(book["Dana per sumber"].iter_rows(values_only=True))
    tr = gettext_for("id")
    header = list(money[0])
    spent_at, committed_at = header.index(label("spent_idr", tr)), header.index(label("committed_idr", tr))
    by_name = {row[0]: row for row in money[1:]}
    assert by_name["dana desa"][spent_at] == float(sources["dana_desa"]["spent_idr"])
    assert by_name["dana desa"][committed_at] == float(sources["dana_desa"]["committed_idr"])
    behind = [row for row in book["Desa"].iter_rows(min_row=2, values_only=True) if "ya" in row]
    assert len(behind) == sum(r["behind"] == "1" for r in villages.values()) > 0


def test_a_replan_from_august_2026_prices_the_months_left_by_the_rules(
    rules_plan_json: Path, tmp_path: Path
) -> None:
    assert main(["replan", *_rules_common(rules_plan_json, tmp_path)]) == 0
    new_plan = Plan.model_validate_json((tmp_path / "plan.json").read_bytes())
    basis = new_plan.replan
    assert new_plan.status == Status.optimal and basis is not None and basis.check is not None
    assert basis.check.ok and (basis.through_month, basis.months_remaining) == (4, 5)
    assert new_plan.months == ["2026-08", "2026-09", "2026-10", "2026-11", "2026-12"]
    monthly = {(p.package, p.source, p.month): p.premium_idr for p in new_plan.premiums}
    assert {monthly[("JKK-JKM", s, m)] for s in ("dana_desa", "add") for m in new_plan.months} == {8_400}
    assert {monthly[("JKK-JKM", "apbd_pool", m)] for m in new_plan.months} == {16_800}
    assert new_plan.rules is not None and any(
        "PP" in c or "Peraturan" in c for c in new_plan.rules.citations.values()
    )
    # each new worker costs its source five months of that source's premium
    by_source: dict[str, float] = {}
    for split in new_plan.source_enrollments:
        premium = {"JKK-JKM": 8_400, "JKK-JKM-JHT": 28_400}[split.package]
        if split.source == "apbd_pool":
            premium += 8_400
        by_source[split.source] = by_source.get(split.source, 0) + split.workers * 5 * premium
    assert new_plan.totals is not None
    assert new_plan.totals.spend_dana_desa_idr == pytest.approx(by_source.get("dana_desa", 0), abs=187)
    assert new_plan.totals.spend_apbd_idr == pytest.approx(by_source.get("apbd_pool", 0), abs=187)
    assert new_plan.totals.spend_dana_desa_idr <= basis.free_dana_desa_idr + 1
    assert new_plan.totals.spend_apbd_idr <= basis.free_apbd_idr + 1
    scenario = json.loads((tmp_path / "replan_scenario.json").read_text())
    assert (scenario["fiscal_year"], scenario["start_month"], scenario["horizon_months"]) == (2026, 8, 5)


def test_a_plan_of_other_months_than_the_scenario_is_exit_2(
    rules_plan_json: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    january = tmp_path / "januari.json"
    january.write_text(
        json.dumps({**json.loads(BEKASI_RULES_2026.read_text()), "start_month": 1, "horizon_months": 12}),
        encoding="utf-8",
    )
    args = _rules_common(rules_plan_json, tmp_path / "out")
    args[args.index("--scenario") + 1] = str(january)
    assert main(["actuals", *args]) == 2
    assert "the plan's months (2026-04 to 2026-12) are not the scenario's (2026-01 to 2026-12)" in (
        capsys.readouterr().err
    )
