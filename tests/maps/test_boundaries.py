"""A district's boundaries read and checked against the Bekasi village table: Voronoi cells keyed
by the real codes are taken; every bad feature is refused by its number and code."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pandas as pd
import pytest
import shapefile

from maps import plotly_figure, read_boundaries, shape_values
from maps.synthetic import voronoi_boundaries
from models import InputError, Plan
from scenarios.examples import BEKASI_VILLAGES

TABLE = pd.read_csv(BEKASI_VILLAGES, dtype=str)
CODES = set(TABLE["village_code"])


@pytest.fixture(scope="module")
def bekasi() -> dict[str, Any]:
    return voronoi_boundaries(
        list(zip(TABLE.village_code, TABLE.village_name, TABLE.kecamatan, strict=True)), kecamatan_shapes=True
    )


def read(collection: dict[str, Any], codes: set[str] = CODES) -> Any:
    return read_boundaries(json.dumps(collection).encode(), "bekasi.geojson", codes)


def test_voronoi_cells_of_every_village_and_kecamatan_are_taken(bekasi: dict[str, Any]) -> None:
    shapes = read(bekasi)
    assert shapes.levels == {"desa": 187, "kecamatan": TABLE["kecamatan"].nunique()}
    assert shapes.missing == []
    assert {f["properties"]["code"] for f in shapes.features} >= CODES


def test_villages_without_a_shape_are_said(bekasi: dict[str, Any]) -> None:
    desa_only = {**bekasi, "features": [f for f in bekasi["features"][:150]]}
    shapes = read(desa_only)
    assert len(shapes.missing) == 37 and set(shapes.missing) <= CODES


def _broken(bekasi: dict[str, Any]) -> dict[str, Any]:
    features = [dict(f) for f in bekasi["features"][:5]]
    features[1] = {**features[1], "properties": {"village_code": "32.16.99.2999"}}
    features[2] = {
        **features[2],
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[107.0, -6.0], [107.1, -6.1], [107.1, -6.0], [107.0, -6.1], [107.0, -6.0]]],
        },
    }  # a bow tie
    features[3] = {**features[3], "geometry": {"type": "Point", "coordinates": [107.0, -6.0]}}
    features[4] = {**features[4], "properties": {"nama": "tanpa kode"}}
    return {"type": "FeatureCollection", "features": features}


def test_bad_features_are_refused_each_named(bekasi: dict[str, Any]) -> None:
    broken = _broken(bekasi)
    with pytest.raises(InputError) as refused:
        read(broken)
    messages = [issue.describe() for issue in refused.value.issues]
    assert len(messages) == 4
    assert "features[1]" in messages[0] and "feature 2 (32.16.99.2999): unknown code" in messages[0]
    code = broken["features"][2]["properties"]["village_code"]
    assert f"feature 3 ({code}): broken geometry: Self-intersection" in messages[1]
    assert "feature 4" in messages[2] and "not a polygon (Point)" in messages[2]
    assert "feature 5: no Kemendagri code" in messages[3]


def test_not_geojson_is_refused() -> None:
    for content in (b"not json", json.dumps({"type": "Feature"}).encode()):
        with pytest.raises(InputError) as refused:
            read_boundaries(content, "peta.geojson", CODES)
        assert refused.value.issues[0].file == "peta.geojson"


def test_a_zipped_shapefile_is_read(bekasi: dict[str, Any]) -> None:
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    with shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYGON) as writer:
        writer.field("KDEPUM", "C", size=20)
        writer.field("NAMOBJ", "C", size=60)
        for feature in bekasi["features"][:187]:
            writer.shape(feature["geometry"])
            writer.record(feature["properties"]["village_code"], feature["properties"]["village_name"])
    content = io.BytesIO()
    with zipfile.ZipFile(content, "w") as archive:
        for ext, part in (("shp", shp), ("shx", shx), ("dbf", dbf)):
            archive.writestr(f"batas_desa.{ext}", part.getvalue())
    shapes = read_boundaries(content.getvalue(), "batas_desa.zip", CODES)
    assert shapes.levels == {"desa": 187} and shapes.missing == []
    assert shapes.features[0]["properties"]["name"] == bekasi["features"][0]["properties"]["village_name"]


def test_a_zip_without_a_shapefile_is_refused() -> None:
    content = io.BytesIO()
    with zipfile.ZipFile(content, "w") as archive:
        archive.writestr("readme.txt", "no shapes")
    with pytest.raises(InputError, match=r"no \.shp file"):
        read_boundaries(content.getvalue(), "batas.zip", CODES)


def test_the_measures_per_shape_add_up(bekasi: dict[str, Any]) -> None:
    shapes = read(bekasi)
    village = TABLE.iloc[0]
    plan = Plan.model_validate(
        {
            "status": "optimal",
            "objective": 1.0,
            "objective_name": "max_protection",
            "scenario_name": "x",
            "villages": [
                {
                    "village_code": village.village_code,
                    "village_name": village.village_name,
                    "kecamatan": village.kecamatan,
                    "kabupaten": "",
                    "new_enrollments": 30.0,
                    "enrollments": {},
                    "spend_dana_desa_idr": 0,
                    "spend_add_idr": 0,
                    "spend_apbd_idr": 0,
                    "spend_total_idr": 0,
                    "workers_enrolled_before": 10,
                    "workers_total": 100,
                    "coverage_before": 0.1,
                    "coverage_after": 0.4,
                }
            ],
        }
    )
    values = shape_values(shapes, plan, "coverage_after")
    assert values[village.village_code] == pytest.approx(0.4)
    assert values[village.village_code[:8]] == pytest.approx(0.4)  # its kecamatan: the same one village
    assert shape_values(shapes, plan, "new_enrollments")[village.village_code] == 30.0
    figure = plotly_figure(shapes, plan, "coverage_after", "Cakupan")
    trace = figure["data"][0]
    assert figure["layout"]["geo"]["fitbounds"] == "locations" and len(trace["locations"]) == 187
