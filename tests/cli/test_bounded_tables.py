"""The command line's table limit: `--max-villages`, else DESAPLAN_MAX_VILLAGES (the service's
variable), refusing with exit 2 the file past it, named with the limit, before it is read whole;
a raised limit lets the table through."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.bounded_reads import SCENARIO, far_row_xlsx, many_rows_csv, rless_rows_xlsx

DESAPLAN = str(Path(sys.executable).parent / "desaplan")


def _solve(
    villages: Path, out: Path, *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    scenario = out.parent / "scenario.json"
    scenario.write_text(json.dumps(SCENARIO))
    environment = {k: v for k, v in os.environ.items() if k != "DESAPLAN_MAX_VILLAGES"}
    return subprocess.run(
        [
            DESAPLAN,
            "solve",
            "--villages",
            str(villages),
            "--scenario",
            str(scenario),
            "--out",
            str(out),
            "--quiet",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**environment, **(env or {})},
    )


def test_a_table_past_max_villages_is_exit_2_naming_file_and_limit(tmp_path: Path) -> None:
    villages = tmp_path / "desa.csv"
    villages.write_bytes(many_rows_csv(40))

    by_option = _solve(villages, tmp_path / "a", "--max-villages", "30")
    by_variable = _solve(villages, tmp_path / "b", env={"DESAPLAN_MAX_VILLAGES": "25"})

    assert by_option.returncode == 2, by_option.stderr
    assert str(villages) in by_option.stderr
    assert "40 villages; the limit is 30" in by_option.stderr
    assert by_variable.returncode == 2
    assert "40 villages; the limit is 25" in by_variable.stderr
    assert "Traceback" not in by_option.stderr + by_variable.stderr
    assert not (tmp_path / "a" / "plan.json").exists()


def test_a_raised_limit_lets_the_table_through(tmp_path: Path) -> None:
    villages = tmp_path / "desa.csv"
    villages.write_bytes(many_rows_csv(40))

    raised = _solve(villages, tmp_path / "out", "--max-villages", "40", env={"DESAPLAN_MAX_VILLAGES": "25"})

    assert raised.returncode == 0, raised.stderr
    assert json.loads((tmp_path / "out" / "plan.json").read_text())["status"] == "optimal"


def test_a_bad_limit_is_exit_2_naming_the_option(tmp_path: Path) -> None:
    villages = tmp_path / "desa.csv"
    villages.write_bytes(many_rows_csv(3))

    result = _solve(villages, tmp_path / "out", env={"DESAPLAN_MAX_VILLAGES": "lots"})

    assert result.returncode == 2
    assert "DESAPLAN_MAX_VILLAGES" in result.stderr and "'lots'" in result.stderr


def test_oversized_workbooks_are_exit_2_without_a_traceback(tmp_path: Path) -> None:
    far = tmp_path / "far.xlsx"
    far.write_bytes(far_row_xlsx())
    rows = tmp_path / "rows.xlsx"
    rows.write_bytes(rless_rows_xlsx(300_000))

    far_result = _solve(far, tmp_path / "a")
    rows_result = _solve(rows, tmp_path / "b")

    assert far_result.returncode == 2, far_result.stderr
    assert str(far) in far_result.stderr and "1,048,576 rows" in far_result.stderr
    assert rows_result.returncode == 2, rows_result.stderr
    assert str(rows) in rows_result.stderr and "200,000 villages" in rows_result.stderr
    assert "Traceback" not in far_result.stderr + rows_result.stderr


def test_the_insight_and_actuals_commands_take_the_same_limit(tmp_path: Path) -> None:
    villages = tmp_path / "desa.csv"
    villages.write_bytes(many_rows_csv(40))
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps(SCENARIO))
    environment = {**os.environ, "DESAPLAN_MAX_VILLAGES": "30"}

    sweep = subprocess.run(
        [
            DESAPLAN,
            "sweep",
            "--villages",
            str(villages),
            "--scenario",
            str(scenario),
            "--out",
            str(tmp_path / "sweep"),
            "--lever",
            "dana_desa_share",
            "--values",
            "0.01,0.02",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
    )
    actuals = subprocess.run(
        [
            DESAPLAN,
            "actuals",
            "--villages",
            str(villages),
            "--scenario",
            str(scenario),
            "--actuals",
            str(villages),
            "--out",
            str(tmp_path / "actuals"),
            "--max-villages",
            "35",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
    )

    assert sweep.returncode == 2 and "40 villages; the limit is 30" in sweep.stderr
    assert actuals.returncode == 2 and "40 villages; the limit is 35" in actuals.stderr
