"""Small hand-checkable problems for the solver tests."""

from __future__ import annotations

from typing import Any

from models import Problem, Scenario, Village, VillageTable

CHEAP = {"code": "JKK-JKM", "monthly_premium_idr": 16800, "value": 1.0}
JHT = {"code": "JKK-JKM-JHT", "monthly_premium_idr": 36800, "value": 1.3}
C_CHEAP = 16800 * 12  # Rp201,600 a worker a year
C_JHT = 36800 * 12


def village(code: int, uninsured: dict[str, int], dana_desa: float = 0.0, add: float = 0.0,
            enrolled: dict[str, int] | None = None, kabupaten: str = "", **extra: Any) -> Village:
    return Village(village_code=f"32.16.01.{2000 + code}", village_name=f"Desa {code}",
                   kecamatan=extra.pop("kecamatan", "Kec A"), kabupaten=kabupaten,
                   dana_desa_idr=dana_desa, add_idr=add, uninsured=uninsured,
                   enrolled=enrolled or {}, **extra)


def problem(villages: list[Village], **scenario: Any) -> Problem:
    groups = list(dict.fromkeys(g for v in villages for g in v.uninsured))
    scenario.setdefault("packages", [CHEAP])
    return Problem(table=VillageTable(groups=groups, villages=villages),
                   scenario=Scenario.model_validate(scenario))
