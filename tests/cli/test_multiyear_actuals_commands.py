"""`desaplan actuals` and `desaplan replan` on a two-year plan: real files in and out."""

from __future__ import annotations

import json
from pathlib import Path

from app.cli import main
from models import Plan, Status

TABLE = (
    "village_code,village_name,kecamatan,kabupaten,dana_desa_idr,uninsured_farmers\n"
    "32.16.01.2001,Desa A,Kec A,Kabupaten Bekasi,12000000,200\n"
)
SCENARIO = {
    "name": "two years",
    "fiscal_year": 2026,
    "start_month": 1,
    "packages": [{"code": "JKK-JKM", "monthly_premium_idr": 10_000}],
    "budget": {"dana_desa_share": 1.0},
    "integer": True,
    "multi_year": {"years": 2},
}
# 30 farmers in March 2026, 10 more in February 2027: the report runs to month 14 (February 2027)
ACTUALS = "kode_desa,bulan,terdaftar_petani\n32.16.01.2001,2026-03,30\n32.16.01.2001,2027-02,10\n"


def test_actuals_into_year_two_and_the_replan_of_the_rest_of_2027(tmp_path: Path) -> None:
    villages, scenario, actuals = (
        tmp_path / "desa.csv",
        tmp_path / "scenario.json",
        tmp_path / "laporan.csv",
    )
    villages.write_text(TABLE)
    scenario.write_text(json.dumps(SCENARIO))
    actuals.write_text(ACTUALS)
    common = ["--villages", str(villages), "--scenario", str(scenario)]
    assert main(["solve", *common, "--out", str(tmp_path / "plan"), "--quiet"]) == 0
    plan = tmp_path / "plan" / "plan.json"
    assert (
        main(
            [
                "actuals",
                *common,
                "--plan",
                str(plan),
                "--actuals",
                str(actuals),
                "--out",
                str(tmp_path / "actuals"),
            ]
        )
        == 0
    )
    result = json.loads((tmp_path / "actuals" / "actuals.json").read_text())
    assert (result["through_month"], result["months_remaining"]) == (14, 10)
    village = result["villages"][0]
    # all 100 of year 1 expected by now (the plan enrols nobody in 2027); 40 enrolled
    assert (village["expected_to_date"], village["actual"]) == (100, 40)
    # spent: 30 x March-December 2026 (Rp3,000,000), 30 x 2 and 10 x 1 months of 2027
    # (Rp700,000); committed: 40 x March-December 2027
    assert village["spent_dana_desa_idr"] == 3_000_000 + 700_000
    assert village["committed_idr"] == 40 * 10_000 * 10

    assert (
        main(
            [
                "replan",
                *common,
                "--plan",
                str(plan),
                "--actuals",
                str(actuals),
                "--out",
                str(tmp_path / "replan"),
            ]
        )
        == 0
    )
    new_plan = Plan.model_validate_json((tmp_path / "replan" / "plan.json").read_bytes())
    assert new_plan.status == Status.optimal and new_plan.replan is not None
    assert new_plan.replan.check is not None and new_plan.replan.check.ok
    # March-December 2027 alone: Rp12,000,000 - Rp700,000 spent - Rp4,000,000 committed left,
    # Rp100,000 a worker for the 10 months: 73 more (Rp7,300,000 of Rp7,300,000)
    assert new_plan.totals is not None and new_plan.totals.new_enrollments == 73
    derived = json.loads((tmp_path / "replan" / "replan_scenario.json").read_text())
    assert (derived["fiscal_year"], derived["start_month"], derived["multi_year"]) == (2027, 3, None)
    assert (tmp_path / "replan" / "targets.csv").is_file()
