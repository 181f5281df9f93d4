"""Plans record the rules they were priced at; the planner's workbook shows them month by month."""

from __future__ import annotations

import io

import pandas as pd
import pytest

import scenarios
from models import Problem, Village, VillageTable
from scenarios.targets_workbook import contributions_frame, parameter_rows, targets_workbook_bytes
from solver import solve

TABLE = VillageTable(
    groups=["farmers", "transport"],
    villages=[
        Village(
            village_code="32.16.01.2001",
            village_name="Sagara Makmur",
            kecamatan="Tarumajaya",
            dana_desa_idr=1_000_000,
            uninsured={"farmers": 100, "transport": 100},
        ),
    ],
)


def _plan(**fields: object):  # type: ignore[no-untyped-def]
    scenario = scenarios.scenario_from_dict(
        {
            "fiscal_year": 2026,
            "start_month": 12,
            "horizon_months": 2,
            "packages": [{"code": "JKK-JKM", "declared_income_idr": 1_000_000}],
            "group_weights": {"farmers": 2.0},
            "budget": {"dana_desa_share": "5,04%", "apbd_pool_idr": "Rp67.200"},
            "integer": True,
            **fields,
        }
    )
    return solve(Problem(table=TABLE, scenario=scenario)), scenario


def test_the_workbook_shows_each_months_premium_by_source_and_sector() -> None:
    # December 2026 and January 2027: the village pays Rp8,400 then Rp16,800 for a farmer, the
    # pool Rp16,800 both months; dana desa Rp50,400 buys 2 farmers (Rp25,200 each), the pool 2
    plan, scenario = _plan()
    assert plan.status.value == "optimal" and plan.check is not None and plan.check.ok
    assert plan.months == ["2026-12", "2027-01"]
    frame = contributions_frame(plan, scenario)
    rows = {
        (r.source, r.sector, r.month): (r.new_workers, r.monthly_premium_idr, r.monthly_contribution_idr)
        for r in frame.itertuples()
    }
    assert rows[("dana_desa", "general", "2026-12")] == (2, 8_400, 16_800)
    assert rows[("dana_desa", "general", "2027-01")] == (2, 16_800, 33_600)
    assert rows[("apbd_pool", "general", "2026-12")] == (2, 16_800, 33_600)
    assert frame["monthly_contribution_idr"].sum() == pytest.approx(plan.totals.spend_total_idr)
    labels = {label: value for label, value, _ in parameter_rows(plan, scenario)}
    assert labels["Contribution rules"].startswith("bpjs-tk-bpu ")
    assert labels["Premium JKK-JKM, outside transport, dana desa, ADD, 2026-12 – 2026-12 (Rp)"] == 8_400
    assert labels["Premium JKK-JKM, outside transport, dana desa, ADD, 2027-01 – 2027-01 (Rp)"] == 16_800
    assert labels["Premium JKK-JKM, every sector, APBD pool, 2026-12 – 2027-01 (Rp)"] == 16_800
    assert "Pasal 4 ayat (1)" in labels["Rule jkk_jkm_payable_share"]
    workbook = pd.ExcelFile(io.BytesIO(targets_workbook_bytes(plan, scenario=scenario)))
    sheet = pd.read_excel(workbook, "Monthly contributions")
    assert {"Paid from", "Sector", "Month"} <= set(sheet.columns)


def test_a_typed_premium_is_recorded_once_and_no_rules() -> None:
    scenario = scenarios.scenario_from_dict(
        {
            "packages": [{"code": "JKK-JKM", "monthly_premium_idr": "Rp16.800"}],
            "budget": {"dana_desa_share": 1.0},
        }
    )
    plan = solve(Problem(table=TABLE, scenario=scenario))
    assert plan.rules is None and plan.months == [] and plan.source_enrollments == []
    assert [(p.package, p.month, p.source, p.premium_idr) for p in plan.premiums] == [
        ("JKK-JKM", None, None, 16_800)
    ]
