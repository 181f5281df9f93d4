"""Scenario files: JSON and YAML in, every mistake named by its field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scenario_helpers import GOOD_ROWS, csv_text, write_text

from models import InputIssue, Objective, ScenarioError
from scenarios import check_scenario_fits, read_scenario, read_villages, scenario_from_dict

CONTRACT_JSON = """{
  "name": "Bekasi 2026, 3% of dana desa plus Rp1.5 billion from the APBD",
  "horizon_months": 12,
  "packages": [
    {"code": "JKK-JKM",     "monthly_premium_idr": 16800, "value": 1.0},
    {"code": "JKK-JKM-JHT", "monthly_premium_idr": 36800, "value": 1.3}
  ],
  "group_weights": {"fishers": 3.0, "construction": 2.5, "farmers": 2.0},
  "budget":  {"dana_desa_share": 0.03, "add_share": 0.0, "apbd_pool_idr": 1500000000},
  "targets": {"min_coverage": 0.2, "group_min_coverage": {"village_officials": 1.0},
              "min_new_enrollments": 19000},
  "objective": "max_protection",
  "integer": true
}
"""

YAML = """
name: Officials first
packages:
  - code: JKK-JKM
    monthly_premium_idr: 16800
budget:
  dana_desa_share: 0.03
  apbd_pool_idr:
    Kabupaten Bekasi: 150000000
targets:
  group_min_coverage:
    farmers: 1.0
objective: min_cost
"""


def refused(data: dict) -> list[InputIssue]:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(data, source="s.json")
    return caught.value.issues


def fields(issues: list[InputIssue]) -> dict[str | None, str]:
    return {i.field: i.message for i in issues}


def test_the_contract_example_reads(tmp_path: Path) -> None:
    scenario = read_scenario(write_text(tmp_path, "scenario.json", CONTRACT_JSON))

    assert scenario.budget.apbd_pool_idr == 1_500_000_000
    assert scenario.targets.group_min_coverage == {"village_officials": 1.0}
    assert [p.code for p in scenario.packages] == ["JKK-JKM", "JKK-JKM-JHT"]
    assert scenario.integer is True


def test_yaml_reads_by_extension_and_by_content(tmp_path: Path) -> None:
    by_name = read_scenario(write_text(tmp_path, "s.yaml", YAML))
    by_content = read_scenario(YAML.encode(), filename="upload")

    assert by_name == by_content
    assert by_name.objective is Objective.min_cost
    assert by_name.budget.apbd_pool_idr == {"Kabupaten Bekasi": 150_000_000}
    assert by_name.horizon_months == 12  # the default


def test_defaults() -> None:
    scenario = scenario_from_dict({"packages": [{"code": "A", "monthly_premium_idr": 1}]})

    assert scenario.budget.dana_desa_share == 0 and scenario.budget.apbd_pool_idr == 0
    assert scenario.objective is Objective.max_protection and scenario.integer is False
    assert scenario.packages[0].value == 1.0


def test_malformed_json_names_file_and_line(tmp_path: Path) -> None:
    path = write_text(tmp_path, "bad.json", '{\n  "name": "x",\n  "packages": [\n}\n')

    with pytest.raises(ScenarioError) as caught:
        read_scenario(path)

    issue = caught.value.issues[0]
    assert issue.file == str(path) and issue.row == 4
    assert "not valid JSON at line 4" in issue.message


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = write_text(tmp_path, "bad.yml", "name: x\npackages:\n  - code: [A\n  budget: 3\n")

    with pytest.raises(ScenarioError) as caught:
        read_scenario(path)

    issue = caught.value.issues[0]
    assert issue.file == str(path) and issue.row is not None and issue.row >= 3
    assert "not valid YAML at line" in issue.message


@pytest.mark.parametrize("text", ["", "[1, 2]", "just words"])
def test_a_file_that_is_not_a_scenario(tmp_path: Path, text: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        read_scenario(write_text(tmp_path, "s.txt", text))

    assert caught.value.issues[0].file == str(tmp_path / "s.txt")


def test_every_bad_field_is_named_in_plain_words() -> None:
    data = json.loads(CONTRACT_JSON)
    data["budget"]["dana_desa_share"] = 1.5
    data["budget"]["add_share"] = -0.1
    data["packages"][1]["monthly_premium_idr"] = 0
    data["packages"][0]["value"] = "high"
    data["objective"] = "x"
    data["targets"]["min_coverage"] = 2
    data["targets"]["group_min_coverage"]["village_officials"] = 1.2
    data["group_weights"]["fishers"] = -3
    data["horizon_months"] = 0
    data["integer"] = "maybe"
    data["budjet"] = {}

    issues = fields(refused(data))

    assert issues == {
        "budget.dana_desa_share": "must be between 0 and 1",
        "budget.add_share": "must be between 0 and 1",
        "packages.1.monthly_premium_idr": "must be >= 1",
        "packages.0.value": "must be a number (got 'high')",
        "objective": "unknown objective 'x': use max_protection or min_cost",
        "targets.min_coverage": "must be between 0 and 1",
        "targets.group_min_coverage.village_officials": "must be between 0 and 1",
        "group_weights.fishers": "must be >= 0",
        "horizon_months": "must be between 1 and 120 months",
        "integer": "must be true or false (got 'maybe')",
        "budjet": "unknown field 'budjet': did you mean 'budget'?",
    }


def test_packages_are_required_and_unique() -> None:
    assert fields(refused({"name": "x"})) == {"packages": "is required: list at least one package"}
    assert fields(refused({"packages": []})) == {"packages": "list at least one package"}
    twice = [{"code": "A", "monthly_premium_idr": 1}, {"code": "A", "monthly_premium_idr": 2}]
    assert fields(refused({"packages": twice})) == {"packages": "package codes must be unique"}


def test_a_pool_that_is_neither_a_number_nor_an_object() -> None:
    package = [{"code": "A", "monthly_premium_idr": 1}]

    not_a_pool = fields(refused({"packages": package, "budget": {"apbd_pool_idr": "lots"}}))
    bad_entry = fields(refused({"packages": package, "budget": {"apbd_pool_idr": {"K": "x"}}}))
    negative = fields(refused({"packages": package, "budget": {"apbd_pool_idr": -1}}))

    assert not_a_pool == {
        "budget.apbd_pool_idr": "must be a number of rupiah, or an object from each kabupaten to its pool"
    }
    assert bad_entry == {"budget.apbd_pool_idr.K": "must be a number (got 'x')"}
    assert negative == {"budget.apbd_pool_idr": "an APBD pool must be >= 0 rupiah"}


def test_a_scenario_that_does_not_fit_the_table(tmp_path: Path) -> None:
    table = read_villages(write_text(tmp_path, "v.csv", csv_text(GOOD_ROWS)))
    scenario = scenario_from_dict(
        {
            "packages": [{"code": "A", "monthly_premium_idr": 1}],
            "group_weights": {"farmers": 2, "traders": 1},
            "targets": {"group_min_coverage": {"village_officials": 1.0, "fishers": 0.5}},
            "budget": {"apbd_pool_idr": {"Kabupaten Bekasi": 5}},
        }
    )

    with pytest.raises(ScenarioError) as caught:
        check_scenario_fits(scenario, table)

    issues = fields(caught.value.issues)
    assert set(issues) == {
        "group_weights.traders",
        "targets.group_min_coverage.village_officials",
        "budget.apbd_pool_idr.Kabupaten Bekasi",
    }
    assert "no group 'traders' (its groups: farmers, fishers)" in issues["group_weights.traders"]
    assert "give the pool as one number" in issues["budget.apbd_pool_idr.Kabupaten Bekasi"]


def test_a_kabupaten_without_a_pool_entry_fits(tmp_path: Path) -> None:
    text = (
        "village_code,village_name,kecamatan,kabupaten,dana_desa_idr,uninsured_farmers\n"
        "3216012001,A,K,Kabupaten Bekasi,1,1\n"
        "3215012001,B,K,Kabupaten Karawang,1,1\n"
    )
    table = read_villages(write_text(tmp_path, "kab.csv", text))
    scenario = scenario_from_dict(
        {
            "packages": [{"code": "A", "monthly_premium_idr": 1}],
            "budget": {"apbd_pool_idr": {"Kabupaten Bekasi": 5}},
            "group_weights": {"farmers": 2},
        }
    )

    check_scenario_fits(scenario, table)  # does not raise

    wrong = scenario.model_copy(
        update={"budget": scenario.budget.model_copy(update={"apbd_pool_idr": {"Kabupaten Bogor": 5}})}
    )
    with pytest.raises(ScenarioError) as caught:
        check_scenario_fits(wrong, table)
    assert "its kabupaten: Kabupaten Bekasi, Kabupaten Karawang" in caught.value.issues[0].message


def test_pools_keyed_by_kemendagri_code_go_to_the_kabupaten_the_table_names(tmp_path) -> None:
    path = tmp_path / "desa.csv"
    path.write_text(
        "village_code,village_name,kecamatan,kabupaten,dana_desa_idr,uninsured_farmers\n"
        "32.16.01.2001,Sagara Makmur,Tarumajaya,32.16,1000000000,100\n"
        "32.15.01.2001,Desa K,Karawang Barat,Kabupaten Karawang,1000000000,100\n"
    )
    table = read_villages(path)
    scenario = scenario_from_dict(
        {
            "packages": [{"code": "JKK-JKM", "monthly_premium_idr": 16800}],
            "budget": {"apbd_pool_idr": {"3216": 5e8, "kabupaten karawang": 2e8}},
        }
    )
    fitted = check_scenario_fits(scenario, table)
    assert fitted.budget.apbd_pool_idr == {"Kabupaten Bekasi": 5e8, "Kabupaten Karawang": 2e8}
