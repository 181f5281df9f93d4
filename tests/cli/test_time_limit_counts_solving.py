"""`desaplan solve`'s time limit governs the solving: reading the table and writing the files do
not eat it. The reading is made slow (it sleeps past the limit once the table is read, as reading
a large table on a busy machine would), not timed."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

import scenarios
from app.cli import main
from bench.instances import scenario, village_table

LIMIT_S = 3.0


def test_a_slow_read_does_not_eat_the_solvers_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table = village_table("national").head(600)
    villages, scenario_path = tmp_path / "villages.csv", tmp_path / "scenario.json"
    table.to_csv(villages, index=False)
    scenario_path.write_text(json.dumps(scenario(table, "national", "pool_per_kabupaten")))
    read = scenarios.read_villages

    def slow_read(*args: Any, **kwargs: Any) -> Any:
        result = read(*args, **kwargs)
        time.sleep(LIMIT_S + 0.5)  # the reading alone takes longer than the time limit
        return result

    monkeypatch.setattr(scenarios, "read_villages", slow_read)
    out = tmp_path / "out"

    code = main(
        [
            "solve",
            "--villages",
            str(villages),
            "--scenario",
            str(scenario_path),
            "--out",
            str(out),
            "--time-limit",
            str(LIMIT_S),
            "--quiet",
            "--workers",
            "1",
        ]
    )

    plan = json.loads((out / "plan.json").read_text())
    assert code == 0
    assert plan["status"] == "optimal", plan["message"]
    assert plan["fallback_blocks"] == [] and plan["unsolved_blocks"] == 0
    assert plan["blocks"] > 1 and plan["check"]["ok"]
