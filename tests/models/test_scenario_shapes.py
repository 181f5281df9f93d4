"""The scenario's shapes refuse what the contract refuses, and fill in what it defaults."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from models import Objective, Scenario
from models.scenario import Budget, MultiYear, Package, Targets

CHEAP = {"code": "JKK-JKM", "monthly_premium_idr": 16800}


def test_a_scenario_of_packages_alone_takes_the_contracts_defaults() -> None:
    scenario = Scenario.model_validate({"packages": [CHEAP]})

    assert scenario.horizon_months == 12
    assert scenario.objective == Objective.max_protection and scenario.integer is False
    assert scenario.packages[0].value == 1.0
    budget = scenario.budget
    assert (budget.dana_desa_share, budget.add_share, budget.apbd_pool_idr) == (0, 0, 0)
    assert scenario.targets.min_coverage == 0 and scenario.targets.group_min_coverage == {}


@pytest.mark.parametrize(
    "package, words",
    [
        ({"code": "A"}, "give monthly_premium_idr, or declared_income_idr"),
        ({"code": "A", "monthly_premium_idr": 16800, "declared_income_idr": 1e6}, "not both"),
        ({"code": "A", "monthly_premium_idr": 0.5}, "greater than or equal to 1"),
        ({"code": "", "monthly_premium_idr": 16800}, "at least 1 character"),
    ],
)
def test_a_package_needs_one_price(package: dict[str, object], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        Package.model_validate(package)


def test_a_package_priced_by_the_rules_needs_a_fiscal_year() -> None:
    by_rules = {"code": "JKK", "declared_income_idr": 1_000_000}
    assert Package.model_validate(by_rules).from_rules

    with pytest.raises(ValidationError, match="fiscal_year is required"):
        Scenario.model_validate({"packages": [by_rules]})


def test_package_codes_are_unique() -> None:
    with pytest.raises(ValidationError, match="package codes must be unique"):
        Scenario.model_validate({"packages": [CHEAP, {**CHEAP, "monthly_premium_idr": 36800}]})


@pytest.mark.parametrize(
    "budget, words",
    [
        ({"apbd_pool_idr": -1}, "an APBD pool must be >= 0 rupiah"),
        ({"apbd_pool_idr": {"32.16": 5e8, "32.17": -1}}, "an APBD pool must be >= 0 rupiah"),
        ({"dana_desa_share": 1.5}, "less than or equal to 1"),
    ],
)
def test_a_budget_out_of_range_is_refused(budget: dict[str, object], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        Budget.model_validate(budget)


def test_a_pool_per_kabupaten_is_kept_as_given() -> None:
    budget = Budget.model_validate({"apbd_pool_idr": {"32.16": 1.5e9, "32.17": 0}})
    assert budget.apbd_pool_idr == {"32.16": 1.5e9, "32.17": 0}


def test_a_group_floor_is_a_share() -> None:
    with pytest.raises(ValidationError, match="the floor for group 'fishers' must be between 0 and 1"):
        Targets.model_validate({"group_min_coverage": {"fishers": 1.2}})


def test_no_number_may_be_infinite_or_nan() -> None:
    with pytest.raises(ValidationError):
        Package.model_validate({"code": "A", "monthly_premium_idr": math.inf})
    with pytest.raises(ValidationError):
        Budget.model_validate({"dana_desa_share": math.nan})


def test_one_growth_rate_compounds_over_every_later_year() -> None:
    years = MultiYear.model_validate({"years": 3, "dana_desa_growth": 0.1})

    assert years.dana_desa_growth == [0.1]
    assert years.growth("dana_desa_growth") == pytest.approx([1.0, 1.1, 1.21])
    assert years.growth("add_growth") == [1.0, 1.0, 1.0]


def test_rates_per_year_must_match_the_years() -> None:
    per_year = MultiYear.model_validate({"years": 3, "pool_growth": [0.1, -0.5]})
    assert per_year.growth("pool_growth") == pytest.approx([1.0, 1.1, 0.55])

    with pytest.raises(ValidationError, match="one per later year"):
        MultiYear.model_validate({"years": 3, "pool_growth": [0.1, 0.1, 0.1]})
    with pytest.raises(ValidationError, match="above -100%"):
        MultiYear.model_validate({"years": 2, "add_growth": -1.0})
