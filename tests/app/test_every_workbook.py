"""Every workbook the service and the command line write in Bahasa Indonesia is a planner's
workbook: sheet names and headers in the language (no column code), numbers formatted (never
`General`), the header frozen, a totals row where the sheet sums, and pages set up to print. The
import template reads back as the table it shows; a dataset downloads under the headers it was
uploaded with."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from app.cli import main
from scenarios.actuals_writers import LABELS as ACTUALS_LABELS
from scenarios.labels import COLUMNS

# the column codes a planner must never read as a header: every code the tables are keyed by
CODES = set(COLUMNS) | set(ACTUALS_LABELS)
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")  # new_farmers_JKK-JKM is caught by CODES' words

SCENARIO = {
    "name": "Kecil",
    "packages": [
        {"code": "JKK-JKM", "monthly_premium_idr": 16800, "value": 1.0},
        {"code": "JKK-JKM-JHT", "monthly_premium_idr": 36800, "value": 1.3},
    ],
    "budget": {"dana_desa_share": 0.03, "apbd_pool_idr": 100_000_000},
    "targets": {"min_coverage": 0.2},
    "integer": True,
}
SHORT = {
    **SCENARIO,
    "name": "Kurang",
    "budget": {"dana_desa_share": 0.0001},
    "targets": {"min_coverage": 0.9},
}
VILLAGES = [  # code, name, kecamatan, dana desa, ADD, uninsured farmers, fishers
    ("32.16.01.2001", "Sagara Makmur", "Tarumajaya", 1_500_000_000, 600_000_000, 400, 120),
    ("32.16.01.2002", "Segarajaya", "Tarumajaya", 1_400_000_000, 500_000_000, 350, 200),
    ("32.16.02.2001", "Sukamekar", "Babelan", 1_600_000_000, 650_000_000, 500, 0),
    ("32.16.02.2002", "Bunibakti", "Babelan", 1_550_000_000, 0, 420, 60),
]


def check_workbook(
    content: bytes, what: str, summed: set[str] | frozenset[str] = frozenset(), total: str = "Jumlah"
) -> openpyxl.Workbook:
    """The planner's workbook checks on every sheet; `summed`: the sheets with a totals row."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        where = f"{what}: sheet {sheet.title!r}"
        assert sheet.title not in CODES and not SNAKE.match(sheet.title), where
        header = [c.value for c in sheet[1]]
        codes = [h for h in header if isinstance(h, str) and (h in CODES or SNAKE.match(h))]
        assert not codes, f"{where}: column codes in the header: {codes}"
        assert sheet.freeze_panes == "A2", where
        assert sheet.page_setup.orientation == "landscape", where
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, where
        assert sheet.print_title_rows == "$1:$1", where
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                    assert cell.number_format != "General", f"{where}: {cell.coordinate} = {cell.value}"
        if sheet.title in summed:
            assert sheet.cell(row=sheet.max_row, column=1).value == total, f"{where}: no totals row"
    missing = summed - set(book.sheetnames)
    assert not missing, f"{what}: no sheet {missing} in {book.sheetnames}"
    return book


def _filled_template(client: TestClient) -> tuple[bytes, list[str]]:
    """The Indonesian import template, its example row overwritten by four villages."""
    answer = client.get("/datasets/template", params={"lang": "id"})
    assert answer.status_code == 200, answer.text
    book = check_workbook(answer.content, "template")
    sheet = book.active
    assert sheet is not None
    header = [str(c.value) for c in sheet[1]]
    assert header[:6] == [
        "Kode desa",
        "Nama desa",
        "Kecamatan",
        "Kabupaten",
        "Dana Desa (Rp)",
        "Alokasi Dana Desa (Rp)",
    ]
    assert "Belum terdaftar petani" in header and "Sudah terdaftar nelayan" in header
    assert [c.value for c in sheet[2]][:2] == ["3216012001", "Contoh Desa"]  # the example row
    validated = {
        str(dv.sqref).split(":")[0].rstrip("0123456789") for dv in sheet.data_validations.dataValidation
    }
    numbers = [
        openpyxl.utils.get_column_letter(i + 1)
        for i, h in enumerate(header)
        if h.endswith("(Rp)") or h.startswith(("Belum", "Sudah")) or h in ("Prioritas", "Batas bagian")
    ]
    assert set(numbers) <= validated and len(numbers) == 6 + 14 - 4 + 2
    for row in range(2, sheet.max_row + 1):
        for column in range(1, sheet.max_column + 1):
            sheet.cell(row=row, column=column).value = None
    at = {h: i + 1 for i, h in enumerate(header)}
    for number, (code, name, kecamatan, dd, add, farmers, fishers) in enumerate(VILLAGES, start=2):
        values = {
            "Kode desa": code,
            "Nama desa": name,
            "Kecamatan": kecamatan,
            "Kabupaten": "Kabupaten Bekasi",
            "Dana Desa (Rp)": dd,
            "Alokasi Dana Desa (Rp)": add,
            "Belum terdaftar petani": farmers,
            "Belum terdaftar nelayan": fishers,
            "Prioritas": 1,
        }
        for column in header:
            if column.startswith(("Belum", "Sudah")) and column not in values:
                values[column] = 0
        for column, value in values.items():
            sheet.cell(row=number, column=at[column]).value = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), header


def _post(client: TestClient, path: str, **kwargs: Any) -> dict[str, Any]:
    answer = client.post(path, **kwargs)
    assert answer.status_code in (200, 201), answer.text
    body: dict[str, Any] = answer.json()
    return body


def _xlsx(client: TestClient, path: str, **params: Any) -> bytes:
    answer = client.get(path, params={"lang": "id", **params})
    assert answer.status_code == 200, answer.text
    return answer.content


def test_every_workbook_of_the_service_in_indonesian(empty_client: TestClient) -> None:
    client = empty_client
    template, header = _filled_template(client)
    dataset = _post(
        client,
        "/datasets",
        files={"file": ("desa.xlsx", template, "application/octet-stream")},
        data={"name": "desa"},
    )
    assert dataset["village_count"] == 4

    # the download: the headers it was uploaded with, unless a language is asked for
    as_uploaded = client.get(f"/datasets/{dataset['id']}/download", params={"format": "xlsx"})
    # no totals row: the table uploads again as it is
    sheet = check_workbook(as_uploaded.content, "dataset download").active
    assert sheet is not None
    kept = [h for h in header if h != "Batas bagian"]  # a column left empty in every row is not kept
    assert [c.value for c in sheet[1]] == kept
    as_csv = client.get(f"/datasets/{dataset['id']}/download", params={"format": "csv"}).text
    assert as_csv.splitlines()[0].split(",") == kept
    check_workbook(_xlsx(client, f"/datasets/{dataset['id']}/download", format="xlsx"), "dataset in id")

    scenario = _post(client, "/scenarios", json={"dataset_id": dataset["id"], "scenario": SCENARIO})
    plan = _post(client, "/solves", json={"scenario_id": scenario["id"]})
    assert plan["status"] == "optimal"
    targets = check_workbook(
        _xlsx(client, f"/plans/{plan['id']}/targets", format="xlsx"),
        "targets",
        {"Target", "Untuk kantor desa", "Kecamatan", "Iuran bulanan"},
    )
    office = targets["Untuk kantor desa"]
    assert office.max_column <= 12 and [c.value for c in office[1]][:3] == [
        "Kecamatan",
        "Kode desa",
        "Nama desa",
    ]
    parts = zipfile.ZipFile(
        io.BytesIO(_xlsx(client, f"/plans/{plan['id']}/targets", format="xlsx", split="kecamatan"))
    )
    assert len(parts.namelist()) == 2
    for name in parts.namelist():
        check_workbook(parts.read(name), name, {"Target", "Untuk kantor desa", "Kecamatan"})
    check_workbook(
        _xlsx(client, f"/plans/{plan['id']}/marginals", format="xlsx"),
        "marginals",
        {"Kecamatan", "Dana APBD", "Desa"},
    )
    sweep = {"scenario_id": scenario["id"], "lever": "apbd_pool", "start": 0, "stop": 5e8, "points": 3}
    curve = client.post("/sweeps", params={"format": "xlsx", "lang": "id"}, json=sweep)
    assert curve.status_code == 200, curve.text
    assert check_workbook(curve.content, "curve").sheetnames == ["Kurva", "Titik patah", "Ringkasan"]
    fairness = client.post(
        "/fairness", params={"format": "xlsx", "lang": "id"}, json={"scenario_id": scenario["id"]}
    )
    assert fairness.status_code == 200, fairness.text
    assert (
        check_workbook(fairness.content, "fairness", {"batas bawah cakupan"}).sheetnames[0]
        == "Biaya tiap batas bawah"
    )

    short = _post(client, "/scenarios", json={"dataset_id": dataset["id"], "scenario": SHORT})
    infeasible = _post(client, "/solves", json={"scenario_id": short["id"]})
    assert infeasible["status"] == "infeasible"
    shortfalls = check_workbook(
        _xlsx(client, f"/plans/{infeasible['id']}/shortfalls", format="xlsx"),
        "shortfalls",
        {"Desa yang kurang dana"},
    )
    levers = {row[0] for row in shortfalls["Jalan keluar"].iter_rows(min_row=2, values_only=True)}
    assert "Dana APBD" in levers
    assert all(
        "APBD pool" not in str(row[-1]) for row in shortfalls["Jalan keluar"].iter_rows(values_only=True)
    )

    other = _post(
        client, "/scenarios", json={"dataset_id": dataset["id"], "scenario": {**SCENARIO, "name": "Lain"}}
    )
    other_plan = _post(client, "/solves", json={"scenario_id": other["id"]})
    comparison = _post(
        client, "/comparisons", json={"baseline_plan_id": plan["id"], "plan_ids": [other_plan["id"]]}
    )
    check_workbook(_xlsx(client, f"/comparisons/{comparison['id']}", format="xlsx"), "comparison")

    report = "Kode Desa;Bulan;Terdaftar Petani\n32.16.01.2001;2026-01;10\n32.16.02.2001;2026-01;3\n"
    actuals = _post(
        client, f"/plans/{plan['id']}/actuals", files={"file": ("laporan.csv", report.encode(), "text/csv")}
    )
    check_workbook(_xlsx(client, f"/actuals/{actuals['id']}.xlsx"), "actuals", {"Desa", "Kecamatan"})
    replan = _post(client, f"/actuals/{actuals['id']}/replan")
    assert replan["status"] == "optimal"
    check_workbook(
        _xlsx(client, f"/plans/{replan['id']}/targets", format="xlsx"),
        "re-plan targets",
        {"Target", "Kecamatan"},
    )


def test_the_pages_link_every_workbook_in_the_pages_language(empty_client: TestClient) -> None:
    client = empty_client
    for lang in ("id", "en"):
        page = client.get("/ui/datasets/new", params={"lang": lang}).text
        assert f'href="/datasets/template?lang={lang}"' in page
    template, _header = _filled_template(client)
    dataset = _post(client, "/datasets", files={"file": ("desa.xlsx", template, "application/octet-stream")})
    short = _post(client, "/scenarios", json={"dataset_id": dataset["id"], "scenario": SHORT})
    plan = _post(client, "/solves", json={"scenario_id": short["id"]})
    page = client.get(f"/ui/plans/{plan['id']}", params={"lang": "en"}).text
    assert f'href="/plans/{plan["id"]}/shortfalls?format=xlsx&amp;lang=en"' in page
    page = client.get(f"/ui/datasets/{dataset['id']}", params={"lang": "en"}).text
    assert f'href="/datasets/{dataset["id"]}/download?format=xlsx&amp;lang=en"' in page


def test_the_template_reads_back_in_english_too(empty_client: TestClient) -> None:
    answer = empty_client.get("/datasets/template", params={"lang": "en"})
    header = [c.value for c in openpyxl.load_workbook(io.BytesIO(answer.content)).active[1]]  # type: ignore[index]
    assert header[:2] == ["Village code", "Village name"] and "Uninsured farmers" in header
    uploaded = empty_client.post(
        "/datasets", files={"file": ("t.xlsx", answer.content, "application/octet-stream")}
    )
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["village_count"] == 1  # the example row
    again = empty_client.get(f"/datasets/{uploaded.json()['id']}/download", params={"format": "xlsx"})
    assert [c.value for c in openpyxl.load_workbook(io.BytesIO(again.content)).active[1]] == header  # type: ignore[index]


def _write(tmp_path: Path) -> tuple[Path, Path, Path]:
    villages = tmp_path / "desa.csv"
    lines = ["Kode Desa,Nama Desa,Kecamatan,Dana Desa,ADD,Belum Terdaftar Petani,Belum Terdaftar Nelayan"]
    lines += [",".join(str(v) for v in village) for village in VILLAGES]
    villages.write_text("\n".join(lines) + "\n", encoding="utf-8")
    scenario = tmp_path / "skenario.json"
    scenario.write_text(json.dumps(SCENARIO), encoding="utf-8")
    short = tmp_path / "kurang.json"
    short.write_text(json.dumps(SHORT), encoding="utf-8")
    return villages, scenario, short


# the sheets with a totals row, per file, in each language
SUMMED = {
    "id": {
        "targets": {"Target", "Untuk kantor desa", "Kecamatan"},
        "infeasible": {"Desa yang kurang dana"},
        "marginals": {"Kecamatan", "Desa"},
        "fairness": {"batas bawah cakupan"},
        "actuals": {"Desa", "Kecamatan"},
    },
    "en": {
        "targets": {"Targets", "For village offices", "Kecamatan"},
        "infeasible": {"Short villages"},
        "marginals": {"Kecamatan", "Villages"},
        "fairness": {"coverage floor"},
        "actuals": {"Villages", "Kecamatan"},
    },
}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_workbook_of_the_command_line_in_either_language(
    lang: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    villages, scenario, short = _write(tmp_path)
    common = ["--villages", str(villages), "--lang", lang]
    summed = SUMMED[lang]
    total = "Jumlah" if lang == "id" else "Total"

    def check(path: Path, what: str) -> None:
        check_workbook(path.read_bytes(), path.name, summed.get(what, set()), total)

    out = tmp_path / "rencana"
    assert main(["solve", *common, "--scenario", str(scenario), "--out", str(out)]) == 0
    check(out / "targets.xlsx", "targets")
    assert main(["solve", *common, "--scenario", str(short), "--out", str(tmp_path / "kurang")]) == 3
    check(tmp_path / "kurang" / "infeasible.xlsx", "infeasible")
    assert main(["marginals", *common, "--scenario", str(scenario), "--out", str(tmp_path / "m")]) == 0
    check(tmp_path / "m" / "marginals.xlsx", "marginals")
    assert main(["fairness", *common, "--scenario", str(scenario), "--out", str(tmp_path / "f")]) == 0
    check(tmp_path / "f" / "fairness.xlsx", "fairness")
    sweep = ["--lever", "apbd_pool", "--from", "0", "--to", "500000000", "--points", "3"]
    assert main(["sweep", *common, "--scenario", str(scenario), *sweep, "--out", str(tmp_path / "s")]) == 0
    check(tmp_path / "s" / "curve.xlsx", "curve")
    report = tmp_path / "laporan.csv"
    report.write_text("Kode Desa;Bulan;Terdaftar Petani\n32.16.01.2001;2026-01;10\n", encoding="utf-8")
    plan = ["--scenario", str(scenario), "--plan", str(out / "plan.json"), "--actuals", str(report)]
    assert main(["actuals", *common, *plan, "--out", str(tmp_path / "a")]) == 0
    check(tmp_path / "a" / "actuals.xlsx", "actuals")
    assert main(["replan", *common, *plan, "--out", str(tmp_path / "r")]) == 0
    check(tmp_path / "r" / "targets.xlsx", "targets")
    capsys.readouterr()


def test_a_multi_year_plans_workbooks_in_indonesian(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each year's columns and sheets in words too."""
    villages, _scenario, _short = _write(tmp_path)
    scenario = tmp_path / "tiga_tahun.json"
    scenario.write_text(json.dumps({**SCENARIO, "multi_year": {"years": 2}}), encoding="utf-8")
    common = ["--villages", str(villages), "--scenario", str(scenario), "--lang", "id"]
    assert main(["solve", *common, "--out", str(tmp_path / "p")]) == 0
    targets = check_workbook((tmp_path / "p" / "targets.xlsx").read_bytes(), "targets", {"Target"})
    header = [c.value for c in targets["Target"][1]]
    assert any(str(h).endswith("tahun ke-2") for h in header), [str(h) for h in header]
    assert main(["marginals", *common, "--out", str(tmp_path / "m")]) == 0
    marginals = check_workbook(
        (tmp_path / "m" / "marginals.xlsx").read_bytes(), "marginals", {"Desa per tahun"}
    )
    assert "Dana APBD per tahun" in marginals.sheetnames
    capsys.readouterr()
