"""Small hand-checkable problems for the solver tests."""

from __future__ import annotations

from typing import Any

import scenarios
from models import Problem, Scenario, Village, VillageTable

CHEAP = {"code": "JKK-JKM", "monthly_premium_idr": 16800, "value": 1.0}
JHT = {"code": "JKK-JKM-JHT", "monthly_premium_idr": 36800, "value": 1.3}
C_CHEAP = 16800 * 12  # Rp201,600 a worker a year
C_JHT = 36800 * 12


def village(
    code: int,
    uninsured: dict[str, int],
    dana_desa: float = 0.0,
    add: float = 0.0,
    enrolled: dict[str, int] | None = None,
    kabupaten: str = "",
    **extra: Any,
) -> Village:
    return Village(
        village_code=f"32.16.01.{2000 + code}",
        village_name=f"Desa {code}",
        kecamatan=extra.pop("kecamatan", "Kec A"),
        kabupaten=kabupaten,
        dana_desa_idr=dana_desa,
        add_idr=add,
        uninsured=uninsured,
        enrolled=enrolled or {},
        **extra,
    )


def problem(villages: list[Village], **scenario: Any) -> Problem:
    groups = list(dict.fromkeys(g for v in villages for g in v.uninsured))
    scenario.setdefault("packages", [CHEAP])
    return Problem(
        table=VillageTable(groups=groups, villages=villages), scenario=Scenario.model_validate(scenario)
    )


# priced by the contribution rules, one month of April 2026 at the lowest tier: JKK-JKM is Rp8,400
# from dana desa or ADD (PP 50/2025's 50%) and Rp16,800 from the APBD pool, which it excludes
RULES_PACKAGE = {"code": "JKK-JKM", "declared_income_idr": 1_000_000}


def rules_problem(villages: list[Village], **fields: Any) -> Problem:
    groups = list(dict.fromkeys(g for v in villages for g in v.uninsured))
    fields.setdefault("packages", [RULES_PACKAGE])
    scenario = scenarios.scenario_from_dict(
        {"fiscal_year": 2026, "start_month": 4, "horizon_months": 1, **fields}
    )
    return Problem(table=VillageTable(groups=groups, villages=villages), scenario=scenario)
