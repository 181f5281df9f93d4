"""A plain `desaplan solve` of the Bekasi example loads only what it uses: the modules a process
holds at its end, looked at in that process (no timing)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from scenarios.examples import BEKASI_VILLAGES, bekasi_scenarios

# the command as its console script runs it, and the modules it holds when it ends
PROGRAM = """
import json, sys
sys.argv = ["desaplan", *sys.argv[1:]]
from app.cli import main
try:
    main()
finally:
    with open(sys.argv[sys.argv.index("--out") + 1] + "/modules.json", "w") as f:
        json.dump(sorted(sys.modules), f)
"""

# what a one-year plan from a CSV never needs: the web service, PuLP (the model goes to HiGHS as
# arrays), scipy (the even sharing's matrices are built with numpy), the workbook reader, charts,
# YAML (the contribution rules), the insight commands
NOT_NEEDED = (
    "scipy",
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlmodel",
    "sqlalchemy",
    "psycopg",
    "redis",
    "rq",
    "httpx",
    "jinja2",
    "pydantic_settings",
    "pulp",
    "openpyxl",
    "matplotlib",
    "plotly",
    "typst",
    "yaml",
    "app.settings",
    "app.main",
    "solver.curves",
)


def modules_of_solve(scenario: Path, out: Path) -> set[str]:
    out.mkdir(parents=True, exist_ok=True)
    args = ["solve", "--villages", str(BEKASI_VILLAGES), "--scenario", str(scenario), "--out", str(out)]
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, *args, "--quiet"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert (out / "plan.json").is_file() and (out / "targets.xlsx").is_file()
    return set(json.loads((out / "modules.json").read_text()))


def test_a_bekasi_solve_loads_no_module_it_does_not_use(tmp_path: Path) -> None:
    loaded = modules_of_solve(bekasi_scenarios()["dd3_officials"], tmp_path / "plan")
    heavy = sorted(m for m in loaded if m in NOT_NEEDED or m.split(".")[0] in NOT_NEEDED)
    assert heavy == []
    # what it does use is there: the table's reader, HiGHS, the workbook writer; and the even
    # sharing's QP (Clarabel), since this plan's optimal face leaves columns free
    assert {"pandas", "highspy", "xlsxwriter", "clarabel"} <= loaded
