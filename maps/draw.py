"""A plan on the district's own boundaries, drawn offline: a figure for plotly (the pages draw it
with the plotly.js the package serves, `fitbounds` on the shapes, no tile server) and an SVG from
matplotlib (the brief).

What is drawn per shape: coverage after the plan, new enrolments, the shortfall of an infeasible
plan's villages, or the change against a baseline; a kecamatan shape sums its villages.
"""

from __future__ import annotations

import io
from collections import defaultdict
from typing import Any, Literal

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import PatchCollection  # noqa: E402
from matplotlib.patches import Polygon as PolygonPatch  # noqa: E402
from shapely.geometry import shape  # noqa: E402

from maps.boundaries import Boundaries, _digits  # noqa: E402
from models import Plan  # noqa: E402

Measure = Literal["coverage_after", "new_enrollments", "shortfall_idr", "change"]
MEASURES: tuple[Measure, ...] = ("coverage_after", "new_enrollments", "shortfall_idr", "change")


def _sums(plan: Plan, changes: dict[str, float] | None) -> dict[str, dict[str, float]]:
    """Per code (a desa's, and its kecamatan's): the sums the measures are made of."""
    short = {_digits(s.village_code): s.shortfall_idr for s in plan.short_villages}
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for v in plan.villages:
        code = _digits(v.village_code)
        for key in (code, code[:6]):
            row = sums[key]
            row["new_enrollments"] += v.new_enrollments
            row["before"] += v.workers_enrolled_before
            row["workers"] += v.workers_total
            row["shortfall_idr"] += short.get(code, 0.0)
            row["change"] += (changes or {}).get(v.village_code, 0.0)
    for code, value in short.items():  # an infeasible plan has no villages, only the short ones
        if code not in sums or not plan.villages:
            sums[code]["shortfall_idr"] = value
            sums[code[:6]]["shortfall_idr"] += value
    return sums


def shape_values(
    boundaries: Boundaries, plan: Plan, measure: Measure, changes: dict[str, float] | None = None
) -> dict[str, float | None]:
    """The measure per shape (by its dotted code); None where the shape has no workers."""
    sums = _sums(plan, changes)
    values: dict[str, float | None] = {}
    for feature in boundaries.features:
        code = feature["properties"]["code"]
        row = sums.get(_digits(code))
        if row is None:
            values[code] = None
        elif measure == "coverage_after":
            workers = row["workers"]
            values[code] = (row["before"] + row["new_enrollments"]) / workers if workers else None
        else:
            values[code] = row[measure]
    return values


def _level(boundaries: Boundaries) -> Boundaries:
    """Desa shapes where there are any, else the kecamatan's: the map draws one level."""
    desa = [f for f in boundaries.features if f["properties"]["level"] == "desa"]
    return Boundaries(features=desa or boundaries.features, missing=boundaries.missing)


def plotly_figure(
    boundaries: Boundaries,
    plan: Plan,
    measure: Measure,
    title: str,
    changes: dict[str, float] | None = None,
    hover: str = "",
) -> dict[str, Any]:
    """A plotly choropleth (data and layout as JSON) fitted to the shapes, with no base map."""
    shapes = _level(boundaries)
    values = shape_values(shapes, plan, measure, changes)
    codes = [f["properties"]["code"] for f in shapes.features]
    z = [values[c] for c in codes]
    scale = "RdBu" if measure == "change" else ("Reds" if measure == "shortfall_idr" else "Blues")
    trace: dict[str, Any] = {
        "type": "choropleth",
        "geojson": shapes.geojson(),
        "featureidkey": "properties.code",
        "locations": codes,
        "z": [None if v is None else round(v, 6) for v in z],
        "text": [f["properties"]["name"] or f["properties"]["code"] for f in shapes.features],
        "colorscale": scale,
        "marker": {"line": {"width": 0.5, "color": "#555"}},
        "hovertemplate": "%{text} (%{location})<br>" + (hover or title) + ": %{z}<extra></extra>",
        "colorbar": {"thickness": 12, "tickformat": ".0%" if measure == "coverage_after" else ",.0f"},
    }
    if measure == "change":
        trace["zmid"] = 0
    layout = {
        "title": {"text": title, "font": {"size": 14}},
        "margin": {"l": 0, "r": 0, "t": 36, "b": 0},
        "height": 460,
        "geo": {"fitbounds": "locations", "visible": False, "projection": {"type": "mercator"}},
    }
    return {"data": [trace], "layout": layout}


def _patches(geometry: dict[str, Any]) -> list[PolygonPatch]:
    geom = shape(geometry)
    polygons = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
    return [PolygonPatch(list(p.exterior.coords), closed=True) for p in polygons]


def choropleth_svg(
    boundaries: Boundaries, plan: Plan, measure: Measure, label: str, changes: dict[str, float] | None = None
) -> str:
    """The map for a PDF: matplotlib's polygons coloured by the measure, a colour bar, SVG with
    text as outlines (no font of the machine)."""
    shapes = _level(boundaries)
    values = shape_values(shapes, plan, measure, changes)
    patches, colours, empty = [], [], []
    for feature in shapes.features:
        value = values[feature["properties"]["code"]]
        for patch in _patches(feature["geometry"]):
            if value is None:
                empty.append(patch)
            else:
                patches.append(patch)
                colours.append(value * 100 if measure == "coverage_after" else value)
    figure, ax = plt.subplots(figsize=(7.0, 5.2))
    cmap = "RdBu" if measure == "change" else ("Reds" if measure == "shortfall_idr" else "Blues")
    collection = PatchCollection(patches, cmap=cmap, edgecolor="#555555", linewidth=0.3)
    collection.set_array(colours)
    ax.add_collection(collection)
    if empty:
        ax.add_collection(PatchCollection(empty, facecolor="#eeeeee", edgecolor="#999999", linewidth=0.3))
    ax.autoscale_view()
    ax.set_aspect("equal")
    ax.axis("off")
    bar = figure.colorbar(collection, ax=ax, shrink=0.7)
    bar.set_label(label, fontsize=8)
    bar.ax.tick_params(labelsize=7)
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "desaplan"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    return buffer.getvalue()
