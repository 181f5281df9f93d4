"""The contribution rules as data: look-ups around each change, costs over months, bad input."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

import scenarios
from models import Problem, ScenarioError, Village, VillageTable
from models.rules import FundingSource
from scenarios.rules import RULES_DIR, RulesError, default_rules, load_rules, monthly_premium, value_at
from solver.data import prepare

DD, ADD, POOL = FundingSource.dana_desa, FundingSource.add, FundingSource.apbd_pool
LOWEST = 1_000_000


def premium(day: str, sector: str, source: FundingSource, package: str = "JKK-JKM") -> float:
    rules = default_rules()
    return monthly_premium(rules, package, LOWEST, dt.date.fromisoformat(day), sector, source).premium_idr


def test_the_lowest_tier_gives_16800_and_36800_without_a_reduction() -> None:
    assert premium("2025-12-01", "general", DD) == 16_800
    assert premium("2025-12-01", "general", DD, "JKK-JKM-JHT") == 36_800


@pytest.mark.parametrize(
    ("day", "sector", "source", "expected"),
    [
        # outside transport the 50% runs April to December 2026
        ("2026-03-31", "general", DD, 16_800),
        ("2026-04-01", "general", DD, 8_400),
        ("2026-04-01", "general", ADD, 8_400),
        ("2026-12-31", "general", DD, 8_400),
        ("2027-01-01", "general", DD, 16_800),
        # the transport sector: January 2026 to March 2027
        ("2025-12-31", "transport", DD, 16_800),
        ("2026-01-01", "transport", DD, 8_400),
        ("2026-03-31", "transport", DD, 8_400),
        ("2026-12-31", "transport", DD, 8_400),
        ("2027-03-31", "transport", DD, 8_400),
        ("2027-04-01", "transport", DD, 16_800),
        # contributions paid through the APBD never get it
        ("2026-04-01", "general", POOL, 16_800),
        ("2026-03-31", "transport", POOL, 16_800),
        ("2027-03-31", "transport", POOL, 16_800),
    ],
)
def test_jkk_jkm_around_each_change(day: str, sector: str, source: FundingSource, expected: float) -> None:
    assert premium(day, sector, source) == expected


def test_jht_is_never_reduced() -> None:
    assert premium("2026-04-01", "general", DD, "JKK-JKM-JHT") == 8_400 + 20_000
    assert premium("2026-04-01", "general", POOL, "JKK-JKM-JHT") == 36_800


def test_value_at_takes_the_latest_value_in_force_and_refuses_a_day_before_the_first() -> None:
    rules = default_rules()
    before = value_at(rules, "jkk_jkm_payable_share", dt.date(2026, 3, 31))
    assert before == {"general": 1.0, "transport": 0.5}
    assert value_at(rules, "jkk_jkm_payable_share", dt.date(2026, 4, 1))["general"] == 0.5
    with pytest.raises(ValueError, match="no value before 2015-07-01"):
        value_at(rules, "jkm_idr", dt.date(2014, 1, 1))


def test_every_parameter_has_dates_and_a_reference_and_the_set_a_version() -> None:
    rules = default_rules()
    assert rules.name == "bpjs-tk-bpu" and rules.version
    for parameter in rules.parameters.values():
        assert parameter.values and parameter.metadata.reference
        assert all(r.title and r.article for r in parameter.metadata.reference)
    share = rules.parameters["jkk_jkm_payable_share"].metadata.reference[0]
    assert "Nomor 50 Tahun 2025" in share.title and "Pasal 4 ayat (1)" in share.article
    assert rules.parameters["jkk_jkm_reduction_sources"].metadata.unconfirmed


def _copy_rules(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(RULES_DIR, folder)
    return folder


def test_a_bad_value_in_a_parameter_file_is_refused_naming_the_file_and_field(tmp_path: Path) -> None:
    folder = _copy_rules(tmp_path)
    path = folder / "jkk_jkm_payable_share.yaml"
    data = yaml.safe_load(path.read_text())
    data["values"][dt.date(2026, 4, 1)] = {"general": 1.5, "transport": 0.5}
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(RulesError) as caught:
        load_rules(folder)
    issue = caught.value.issues[0]
    assert issue.file == "jkk_jkm_payable_share.yaml"
    assert issue.field == "values.2026-04-01.general"


def test_a_parameter_without_a_reference_or_file_is_refused(tmp_path: Path) -> None:
    folder = _copy_rules(tmp_path)
    path = folder / "jkm_idr.yaml"
    data = yaml.safe_load(path.read_text())
    del data["metadata"]["reference"]
    path.write_text(yaml.safe_dump(data))
    (folder / "jht_rate.yaml").unlink()
    with pytest.raises(RulesError) as caught:
        load_rules(folder)
    found = {(i.file, i.field) for i in caught.value.issues}
    assert ("jkm_idr.yaml", "metadata.reference") in found
    assert ("jht_rate.yaml", None) in found


def _scenario(**fields: object) -> dict[str, object]:
    return {"fiscal_year": 2026, "packages": [{"code": "JKK-JKM", "declared_income_idr": LOWEST}], **fields}


def _arrays(scenario: dict[str, object], dana_desa: float = 1e9, pool: float = 1e9):  # type: ignore[no-untyped-def]
    scenario = {**scenario, "budget": {"dana_desa_share": 0.1, "apbd_pool_idr": pool}}
    table = VillageTable(
        groups=["farmers", "transport"],
        villages=[
            Village(
                village_code="32.16.01.2001",
                village_name="A",
                kecamatan="K",
                dana_desa_idr=dana_desa,
                uninsured={"farmers": 10, "transport": 10},
            )
        ],
    )
    return prepare(Problem(table=table, scenario=scenarios.scenario_from_dict(scenario)))


def test_a_package_over_months_that_straddle_two_changes_costs_the_sum_of_its_months() -> None:
    # November 2026 to April 2027: general reduced in Nov-Dec only, transport in Nov-Mar
    data = _arrays(
        _scenario(
            start_month=11,
            horizon_months=6,
            packages=[
                {"code": "JKK-JKM", "declared_income_idr": LOWEST},
                {"code": "JKK-JKM-JHT", "declared_income_idr": LOWEST},
            ],
        )
    )
    cost = data.payer_cost_idr
    assert cost is not None
    farmers, transport = data.groups.index("farmers"), data.groups.index("transport")
    assert cost[0, farmers, 0] == 2 * 8_400 + 4 * 16_800  # dana desa, general: Rp84,000
    assert cost[0, transport, 0] == 5 * 8_400 + 1 * 16_800  # dana desa, transport: Rp58,800
    assert cost[2, farmers, 0] == cost[2, transport, 0] == 6 * 16_800  # the pool: Rp100,800
    assert cost[0, farmers, 1] == 2 * 28_400 + 4 * 36_800  # with JHT: Rp204,000
    assert data.cost_idr[0] == 58_800  # the cheapest, for the money checks


def test_a_plan_from_april_2026_pays_the_reduced_rate_where_the_rules_say() -> None:
    s = scenarios.scenario_from_dict(_scenario(start_month=4, horizon_months=9))
    assert s.months()[0] == "2026-04" and s.months()[-1] == "2026-12"
    by = {(p.month, p.sector, p.source): p.premium_idr for p in s.premium_schedule}
    assert by[("2026-04", "general", DD)] == 8_400 and by[("2026-12", "general", ADD)] == 8_400
    assert by[("2026-04", "general", POOL)] == 16_800
    assert s.rules is not None and s.rules.version == default_rules().version
    assert s.group_sectors["transport"] == "transport"


def test_without_pool_money_and_sector_differences_the_model_is_the_contracts() -> None:
    data = _arrays(_scenario(start_month=4, horizon_months=9), pool=0.0)
    assert data.payer_cost_idr is None
    np.testing.assert_array_equal(data.cost_idr, [9 * 8_400])


def test_typed_premiums_are_unchanged() -> None:
    typed = {"packages": [{"code": "A", "monthly_premium_idr": 16_800}], "horizon_months": 12}
    data = _arrays(typed)
    assert data.payer_cost_idr is None
    np.testing.assert_array_equal(data.cost_idr, [16_800 * 12])
    assert scenarios.scenario_from_dict(typed).premium_schedule == []


def test_planner_typed_numbers_are_read_as_the_village_table_reads_them() -> None:
    s = scenarios.scenario_from_dict(
        {
            "packages": [{"code": "A", "monthly_premium_idr": "Rp16.800", "value": "1,3"}],
            "budget": {"dana_desa_share": "3%", "add_share": "0,5", "apbd_pool_idr": "Rp1.500.000.000"},
            "targets": {
                "min_coverage": "20%",
                "min_new_enrollments": "19.000",
                "group_min_coverage": {"fishers": "100%"},
            },
            "group_weights": {"fishers": "2,5"},
        }
    )
    assert s.packages[0].monthly_premium_idr == 16_800 and s.packages[0].value == 1.3
    assert s.budget.dana_desa_share == pytest.approx(0.03) and s.budget.add_share == 0.5
    assert s.budget.apbd_pool_idr == 1_500_000_000
    assert s.targets.min_coverage == pytest.approx(0.2) and s.targets.min_new_enrollments == 19_000
    assert s.targets.group_min_coverage == {"fishers": 1.0} and s.group_weights == {"fishers": 2.5}
    pools = scenarios.scenario_from_dict(
        {
            "packages": [{"code": "A", "monthly_premium_idr": 1}],
            "budget": {"apbd_pool_idr": {"Bekasi": "Rp2.000.000"}},
        }
    )
    assert pools.budget.apbd_pool_idr == {"Bekasi": 2_000_000}


@pytest.mark.parametrize(
    ("scenario", "field", "words"),
    [
        ({"packages": [{"code": "JKK-JKM", "declared_income_idr": LOWEST}]}, "fiscal_year", "required"),
        (
            _scenario(packages=[{"code": "JKK-JKM", "declared_income_idr": 1_000_001}]),
            "packages.0.declared_income_idr",
            "not a declared-income tier",
        ),
        (
            _scenario(packages=[{"code": "JKP", "declared_income_idr": LOWEST}]),
            "packages.0.code",
            "no package",
        ),
        (_scenario(packages=[{"code": "JKK-JKM"}]), "packages.0", "declared_income_idr"),
        (
            _scenario(
                packages=[{"code": "JKK-JKM", "monthly_premium_idr": 1, "declared_income_idr": LOWEST}]
            ),
            "packages.0",
            "not both",
        ),
        (_scenario(start_month=13), "start_month", "between 1 and 12"),
        (_scenario(fiscal_year=2014), "fiscal_year", ">= 2015"),
        (_scenario(group_sectors={"fishers": "sea"}), "group_sectors.fishers", "unknown sector"),
        (_scenario(budget={"dana_desa_share": "tiga persen"}), "budget.dana_desa_share", "must be a number"),
        (
            _scenario(packages=[{"code": "JKK-JKM", "declared_income_idr": "satu juta"}]),
            "packages.0.declared_income_idr",
            "must be a number",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field(scenario: dict[str, object], field: str, words: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        scenarios.scenario_from_dict(scenario)
    issues = {(i.field, i.message) for i in caught.value.issues}
    assert any(f == field and words in m for f, m in issues), issues
