"""`desaplan brief` and `desaplan boundaries` on the Bekasi example: a one- or two-page A4 brief
with the in-short sentence, the totals, a chart and the map; bad boundaries refused (exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from app.i18n.in_short import plan_in_short
from documents import words
from maps.synthetic import voronoi_boundaries
from models import Plan
from scenarios import read_scenario
from scenarios.examples import BEKASI_VILLAGES, bekasi_scenarios

DESAPLAN = str(Path(sys.executable).parent / "desaplan")
A4 = (595.28, 841.89)


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DESAPLAN, *map(str, args)], capture_output=True, text=True, timeout=600)


def pages_of(path: Path) -> tuple[list[str], PdfReader]:
    reader = PdfReader(path)
    return [" ".join(page.extract_text().split()) for page in reader.pages], reader


def _fills(content: object, resources: dict, reader: PdfReader) -> int:  # type: ignore[type-arg]
    count = sum(1 for _, op in ContentStream(content, reader).operations if op in (b"f", b"f*", b"B", b"b"))
    for ref in resources.get("/XObject", {}).values():
        form = ref.get_object()
        if form.get("/Subtype") == "/Form":
            count += _fills(form, form.get("/Resources", {}), reader)
    return count


def filled_shapes(reader: PdfReader) -> int:
    """Filled paths drawn: a chart's bars and labels, a map's shapes (text and tables draw few)."""
    return sum(_fills(page.get_contents(), page.get("/Resources", {}), reader) for page in reader.pages)


@pytest.fixture(scope="module")
def bekasi(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("bekasi")
    table = pd.read_csv(BEKASI_VILLAGES, dtype=str)
    shapes = voronoi_boundaries(
        list(zip(table.village_code, table.village_name, table.kecamatan, strict=True))
    )
    (tmp / "batas.geojson").write_text(json.dumps(shapes))
    result = run(
        "solve",
        "--villages",
        BEKASI_VILLAGES,
        "--scenario",
        bekasi_scenarios()["dd3_officials"],
        "--out",
        tmp / "plan",
    )
    assert result.returncode == 0, result.stderr
    return tmp / "plan" / "plan.json", tmp / "batas.geojson"


def test_the_brief_of_a_plan_with_its_map(bekasi: tuple[Path, Path], tmp_path: Path) -> None:
    plan_json, shapes = bekasi
    scenario = bekasi_scenarios()["dd3_officials"]
    result = run(
        "brief",
        "--plan",
        plan_json,
        "--scenario",
        scenario,
        "--boundaries",
        shapes,
        "--out",
        tmp_path / "brief.pdf",
    )
    assert result.returncode == 0, result.stderr
    pages, reader = pages_of(tmp_path / "brief.pdf")
    assert 1 <= len(pages) <= 2
    assert all(
        (float(p.mediabox.width), float(p.mediabox.height)) == pytest.approx(A4, abs=0.5)
        for p in reader.pages
    )
    text = " ".join(pages)
    plan = Plan.model_validate_json(plan_json.read_bytes())
    sentence = " ".join(plan_in_short(plan, read_scenario(scenario), "id").split())
    assert sentence in text
    assert plan.totals is not None
    assert f"Peserta baru {words.count(plan.totals.new_enrollments)}" in text
    assert words.rupiah(plan.totals.spend_dana_desa_idr) in text
    assert "Menurut kecamatan" in text and "Cakupan kepesertaan per kecamatan" in text
    assert "Peta: cakupan sesudah rencana" in text
    without_map = run("brief", "--plan", plan_json, "--scenario", scenario, "--out", tmp_path / "plain.pdf")
    assert without_map.returncode == 0, without_map.stderr
    plain_pages, plain = pages_of(tmp_path / "plain.pdf")
    assert "Peta:" not in " ".join(plain_pages)
    assert filled_shapes(plain) > 50  # the chart's bars and labels
    assert filled_shapes(reader) >= filled_shapes(plain) + 187  # and a shape per village


def test_the_brief_without_boundaries_has_no_map_and_speaks_english(
    bekasi: tuple[Path, Path], tmp_path: Path
) -> None:
    plan_json, _ = bekasi
    result = run(
        "brief",
        "--plan",
        plan_json,
        "--scenario",
        bekasi_scenarios()["dd3_officials"],
        "--lang",
        "en",
        "--out",
        tmp_path / "brief.pdf",
    )
    assert result.returncode == 0, result.stderr
    pages, reader = pages_of(tmp_path / "brief.pdf")
    text = " ".join(pages)
    assert "Plan brief" in text and "By kecamatan" in text and "Map:" not in text
    assert filled_shapes(reader) > 50  # the chart


def test_an_infeasible_plans_brief_carries_its_remedies(tmp_path: Path) -> None:
    scenario = bekasi_scenarios()["contract_example"]
    result = run("brief", "--villages", BEKASI_VILLAGES, "--scenario", scenario, "--out", tmp_path / "b.pdf")
    assert result.returncode == 0, result.stderr
    pages, reader = pages_of(tmp_path / "b.pdf")
    text = " ".join(pages)
    assert len(pages) <= 2 and filled_shapes(reader) < 10  # no totals, no chart
    assert "Jalan keluar (rencana tidak layak)" in text
    assert "porsi dana desa 12,05%" in text and "batas bawah cakupan tidak dapat dipenuhi" in text


def test_boundaries_are_checked_against_the_table(bekasi: tuple[Path, Path], tmp_path: Path) -> None:
    _, shapes = bekasi
    result = run("boundaries", shapes, "--villages", BEKASI_VILLAGES)
    assert result.returncode == 0, result.stderr
    assert "187 desa and 0 kecamatan shapes" in result.stdout

    collection = json.loads(shapes.read_text())
    collection["features"][7]["properties"]["village_code"] = "32.16.77.2001"
    collection["features"][9]["geometry"] = {
        "type": "Polygon",
        "coordinates": [[[107.0, -6.0], [107.1, -6.1], [107.1, -6.0], [107.0, -6.1], [107.0, -6.0]]],
    }
    (tmp_path / "bad.geojson").write_text(json.dumps(collection))
    result = run("boundaries", tmp_path / "bad.geojson", "--villages", BEKASI_VILLAGES)
    assert result.returncode == 2
    assert "feature 8 (32.16.77.2001): unknown code" in result.stderr
    assert "feature 10 (" in result.stderr and "broken geometry" in result.stderr
    assert "Traceback" not in result.stderr
    result = run(
        "brief",
        "--plan",
        bekasi[0],
        "--scenario",
        bekasi_scenarios()["dd3_officials"],
        "--boundaries",
        tmp_path / "bad.geojson",
        "--out",
        tmp_path / "b.pdf",
    )
    assert result.returncode == 2 and "unknown code" in result.stderr
    assert not (tmp_path / "b.pdf").exists()
    result = run("brief", "--plan", bekasi[0], "--out", tmp_path / "b.pdf")
    assert result.returncode == 2 and "give --scenario with --plan" in result.stderr
