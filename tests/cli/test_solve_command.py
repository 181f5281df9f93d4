"""`desaplan solve` as a planner runs it: real files in, real files out, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scenarios.examples import BEKASI_VILLAGES, bekasi_scenarios

DESAPLAN = str(Path(sys.executable).parent / "desaplan")


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DESAPLAN, *map(str, args)], capture_output=True, text=True, timeout=300)


def solve(villages: Path, scenario: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return run("solve", "--villages", villages, "--scenario", scenario, "--out", out)


def test_bekasi_example_gives_a_plan_and_its_targets(tmp_path: Path) -> None:
    result = solve(BEKASI_VILLAGES, bekasi_scenarios()["dd3_officials"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "optimal" in result.stdout and "Coverage" in result.stdout and "kecamatan" in result.stdout
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert list(plan)[:2] == ["status", "objective"]
    assert plan["status"] == "optimal" and plan["objective"] > 0
    targets = pd.read_csv(tmp_path / "targets.csv", dtype={"village_code": str})
    assert list(targets.columns[:4]) == ["village_code", "village_name", "kecamatan", "new_enrollments"]
    assert len(targets) == 187
    assert targets["new_enrollments"].sum() == pytest.approx(plan["totals"]["new_enrollments"])
    xlsx = pd.read_excel(tmp_path / "targets.xlsx", sheet_name=0, dtype={"village_code": str})
    assert list(xlsx["village_code"]) == list(targets["village_code"])
    assert xlsx["new_enrollments"].sum() == pytest.approx(targets["new_enrollments"].sum())


def test_bad_village_row_is_named_without_a_traceback(tmp_path: Path) -> None:
    villages = tmp_path / "desa.csv"
    villages.write_text(
        "village_code,village_name,kecamatan,dana_desa_idr,uninsured_farmers\n"
        "32.16.01.2001,Sagara Makmur,Tarumajaya,1000000000,100\n"
        "32.16.01.2002,Segarajaya,Tarumajaya,-5,100\n"
    )
    result = solve(villages, bekasi_scenarios()["dd3_officials"], tmp_path / "out")
    assert result.returncode == 2
    assert "desa.csv" in result.stderr and "row 3" in result.stderr
    assert "dana_desa_idr" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "out" / "plan.json").exists()


def test_bad_scenario_field_is_named(tmp_path: Path) -> None:
    scenario = tmp_path / "s.json"
    scenario.write_text(
        json.dumps(
            {
                "packages": [{"code": "JKK-JKM", "monthly_premium_idr": 16800}],
                "budget": {"dana_desa_share": 1.5},
            }
        )
    )
    result = solve(BEKASI_VILLAGES, scenario, tmp_path / "out")
    assert result.returncode == 2
    assert "budget.dana_desa_share" in result.stderr
    assert "Traceback" not in result.stderr


def test_scenario_naming_a_group_the_table_lacks(tmp_path: Path) -> None:
    scenario = tmp_path / "s.json"
    scenario.write_text(
        json.dumps(
            {
                "packages": [{"code": "JKK-JKM", "monthly_premium_idr": 16800}],
                "group_weights": {"nelayan": 2.0},
            }
        )
    )
    result = solve(BEKASI_VILLAGES, scenario, tmp_path / "out")
    assert result.returncode == 2
    assert "group_weights.nelayan" in result.stderr


def test_missing_file(tmp_path: Path) -> None:
    result = solve(tmp_path / "nope.csv", bekasi_scenarios()["dd3_officials"], tmp_path / "out")
    assert result.returncode == 2
    assert "nope.csv" in result.stderr and "Traceback" not in result.stderr


def test_infeasible_scenario_exits_3_and_says_why(tmp_path: Path) -> None:
    result = solve(BEKASI_VILLAGES, bekasi_scenarios()["contract_example"], tmp_path)
    assert result.returncode == 3
    assert "cannot pay for their coverage floors" in result.stdout
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert plan["status"] == "infeasible" and plan["objective"] is None
    assert plan["explanations"][0]["shortfall_idr"] > 0
    assert not (tmp_path / "targets.csv").exists()


def _generated_table(path: Path, n: int) -> Path:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "village_code": [
                f"32.{16 + i // 2000:02d}.{1 + (i // 100) % 20:02d}.{2001 + i % 100}" for i in range(n)
            ],
            "village_name": [f"Desa {i}" for i in range(n)],
            "kecamatan": [f"Kec {(i // 100) % 20}" for i in range(n)],
            "kabupaten": [f"K{i % 7}" for i in range(n)],
            "dana_desa_idr": rng.integers(5e8, 2e9, n),
            "uninsured_farmers": rng.integers(50, 500, n),
            "uninsured_traders": rng.integers(0, 300, n),
        }
    )
    frame.to_csv(path, index=False)
    return path


def _scenario(path: Path, **extra: object) -> Path:
    body = {
        "packages": [
            {"code": "JKK-JKM", "monthly_premium_idr": 16800},
            {"code": "JKK-JKM-JHT", "monthly_premium_idr": 36800, "value": 1.3},
        ],
        "budget": {"dana_desa_share": 0.02, "apbd_pool_idr": 4e9},
        "targets": {"min_coverage": 0.03},
        **extra,
    }
    path.write_text(json.dumps(body))
    return path


def test_a_tiny_time_limit_gives_a_checked_plan_or_none(tmp_path: Path) -> None:
    villages = _generated_table(tmp_path / "desa.csv", 4000)
    out = tmp_path / "out"
    result = run(
        "solve",
        "--villages",
        villages,
        "--scenario",
        _scenario(tmp_path / "s.json"),
        "--out",
        out,
        "--time-limit",
        "0.01",
    )
    plan = json.loads((out / "plan.json").read_text())
    assert plan["status"] == "time_limit", result.stdout
    if result.returncode == 0:
        assert plan["check"]["ok"] and (out / "targets.csv").exists()
        targets = pd.read_csv(out / "targets.csv")
        assert len(targets) == 4000 and "Checked: every budget, cap and floor holds." in result.stdout
    else:
        assert result.returncode == 4
        assert not (out / "targets.csv").exists() and not (out / "targets.xlsx").exists()


def test_a_plan_that_fails_its_check_exits_5_and_writes_no_targets(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    import importlib

    from app.cli import command as cli
    from models import PlanCheck

    solve_module = importlib.import_module("solver.solve")
    monkeypatch.setattr(
        solve_module,
        "check_plan",
        lambda *a, **k: PlanCheck(
            ok=False,
            tolerance=1e-6,
            max_violation=12.8,
            violations=["4. pool #0: Rp603,425,458 used > Rp47,000,000"],
        ),
    )
    out = tmp_path / "out"
    out.mkdir()
    (out / "targets.csv").write_text("stale")  # an earlier run's targets must not survive
    code = cli.main(
        [
            "solve",
            "--villages",
            str(BEKASI_VILLAGES),
            "--scenario",
            str(bekasi_scenarios()["dd3_officials"]),
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == cli.EXIT_CHECK_FAILED == 5
    plan = json.loads((out / "plan.json").read_text())
    assert plan["status"] == "error" and not plan["check"]["ok"]
    assert "Rp603,425,458" in plan["check"]["violations"][0]
    assert not (out / "targets.csv").exists() and not (out / "targets.xlsx").exists()
    assert "no targets" in capsys.readouterr().out


def test_progress_shows_on_a_terminal_for_a_large_table(tmp_path: Path) -> None:
    import os
    import pty

    villages = _generated_table(tmp_path / "desa.csv", 2500)
    main, child = pty.openpty()
    process = subprocess.Popen(
        [
            DESAPLAN,
            "solve",
            "--villages",
            str(villages),
            "--scenario",
            str(_scenario(tmp_path / "s.json")),
            "--out",
            str(tmp_path / "o"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=child,
        text=True,
    )
    os.close(child)
    seen = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    assert process.wait(timeout=300) == 0
    assert b"blocks solved" in seen


def test_no_progress_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    villages = _generated_table(tmp_path / "desa.csv", 2500)
    result = solve(villages, _scenario(tmp_path / "s.json"), tmp_path / "o")
    assert result.returncode == 0 and result.stderr == ""


def test_the_busiest_kecamatan_is_told_apart_by_its_kabupaten(tmp_path: Path) -> None:
    villages = tmp_path / "desa.csv"
    rows = ["village_code,village_name,kecamatan,kabupaten,dana_desa_idr,uninsured_farmers"]
    # three kecamatan named Caringin in three kabupaten, 30 each; Cibadak in one has 50
    for i, kab in enumerate(["Kabupaten Bogor", "Kabupaten Sukabumi", "Kabupaten Garut"]):
        rows.append(f"32.0{i + 1}.01.2001,Desa A{i},Caringin,{kab},{30 * 201600 / 0.1:.0f},30")
    rows.append(f"32.01.02.2001,Desa B,Cibadak,Kabupaten Bogor,{50 * 201600 / 0.1:.0f},50")
    villages.write_text("\n".join(rows) + "\n")
    scenario = _scenario(tmp_path / "s.json", budget={"dana_desa_share": 0.1}, targets={})
    result = solve(villages, scenario, tmp_path / "o")
    assert result.returncode == 0, result.stderr
    assert "Most new enrolments: kecamatan Cibadak (Kabupaten Bogor), 50." in result.stdout
    targets = pd.read_csv(tmp_path / "o" / "targets.csv", dtype=str)
    assert list(targets.columns[:5]) == [
        "village_code",
        "village_name",
        "kecamatan",
        "new_enrollments",
        "kabupaten",
    ]


def test_an_infeasible_whole_number_scenario_is_not_called_continuous(tmp_path: Path) -> None:
    result = solve(BEKASI_VILLAGES, bekasi_scenarios()["contract_example"], tmp_path)
    assert result.returncode == 3
    assert "infeasible (whole workers" in result.stdout and "continuous" not in result.stdout


def test_every_bekasi_example_says_what_one_more_billion_buys(tmp_path: Path) -> None:
    for slug, path in bekasi_scenarios().items():
        if slug == "contract_example":
            continue
        result = solve(BEKASI_VILLAGES, path, tmp_path / slug)
        assert result.returncode == 0, result.stderr
        assert "one more Rp1 billion" in result.stdout, result.stdout


def test_bekasi_2026_to_2028_with_continuity(tmp_path: Path) -> None:
    from scenarios.examples import BEKASI_MULTIYEAR_2026_2028

    result = solve(BEKASI_VILLAGES, BEKASI_MULTIYEAR_2026_2028, tmp_path)
    assert result.returncode == 0, result.stderr
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert plan["status"] in ("optimal", "time_limit") and plan["check"]["ok"]
    assert [y["fiscal_year"] for y in plan["years"]] == [2026, 2027, 2028]
    assert [y["months"] for y in plan["years"]] == [9, 12, 12]
    funded = [y["funded"] for y in plan["years"]]
    assert funded == sorted(funded) and funded[0] > 0  # nobody enrolled is dropped
    targets = pd.read_csv(tmp_path / "targets.csv", dtype={"village_code": str})
    assert list(targets.columns[:4]) == ["village_code", "village_name", "kecamatan", "new_enrollments"]
    assert len(targets) == 187
    news = [targets[f"new_enrollments_{y}"] for y in (2026, 2027, 2028)]
    assert (sum(news) == targets["new_enrollments"]).all()
    assert (targets["funded_2028"] == targets["new_enrollments"]).all()
    for y, year in zip((2026, 2027, 2028), plan["years"], strict=True):
        assert targets[f"funded_{y}"].sum() == year["funded"]
        assert targets[f"spend_apbd_idr_{y}"].sum() == pytest.approx(year["spend_apbd_idr"], abs=1)
    # the year's own floor: 10% coverage in 2028 in every village
    assert (
        min(v["coverage_after"] for v in plan["villages"] if v["coverage_after"] is not None) >= 0.10 - 1e-9
    )
