"""`desaplan sweep` refuses values out of the scenario's own range with exit 2, naming them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.bounded_reads import SCENARIO, many_rows_csv

DESAPLAN = str(Path(sys.executable).parent / "desaplan")


def test_a_sweep_value_out_of_range_is_exit_2_naming_it(tmp_path: Path) -> None:
    villages = tmp_path / "desa.csv"
    villages.write_bytes(many_rows_csv(5))
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps(SCENARIO))

    result = subprocess.run(
        [
            DESAPLAN,
            "sweep",
            "--villages",
            str(villages),
            "--scenario",
            str(scenario),
            "--out",
            str(tmp_path / "out"),
            "--lever",
            "dana_desa_share",
            "--values",
            "0.01,1e308",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 2, result.stderr
    assert "1e+308 for budget.dana_desa_share: must be between 0 and 1" in result.stderr
    assert "--values" in result.stderr
    assert not (tmp_path / "out" / "curve.csv").exists()
