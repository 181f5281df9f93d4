"""Synthetic boundaries for a village table, for examples, tests and benchmarks where the
district's own are not at hand: Voronoi cells around made-up points, the villages of a kecamatan
around its own centre, keyed by the table's real Kemendagri codes. Not a map of anywhere.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from typing import Any

from shapely.geometry import MultiPoint, Point, box
from shapely.ops import unary_union, voronoi_diagram

from maps.boundaries import dotted


def voronoi_boundaries(
    villages: list[tuple[str, str, str]], seed: int = 21, kecamatan_shapes: bool = False
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection: one cell per village (`village_code`, `village_name`), and
    with `kecamatan_shapes` one per kecamatan (the union of its villages' cells, `kode_kec`).
    `villages`: (code, name, kecamatan)."""
    rng = random.Random(seed)
    by_kecamatan: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for code, name, kecamatan in villages:
        by_kecamatan[kecamatan].append((code, name))
    side = math.ceil(math.sqrt(len(by_kecamatan)))
    points: list[tuple[float, float]] = []
    owners: list[tuple[str, str, str]] = []
    for index, (kecamatan, members) in enumerate(sorted(by_kecamatan.items())):
        # a kecamatan's centre on a grid of 0.1 degree around Bekasi, its villages scattered near it
        cx, cy = 107.0 + 0.1 * (index % side), -6.4 + 0.1 * (index // side)
        for code, name in members:
            points.append((cx + rng.uniform(-0.045, 0.045), cy + rng.uniform(-0.045, 0.045)))
            owners.append((code, name, kecamatan))
    frame = box(
        min(p[0] for p in points) - 0.05,
        min(p[1] for p in points) - 0.05,
        max(p[0] for p in points) + 0.05,
        max(p[1] for p in points) + 0.05,
    )
    cells = voronoi_diagram(MultiPoint(points), envelope=frame)
    by_point = {}
    for cell in cells.geoms:
        for i, (x, y) in enumerate(points):
            if i not in by_point and cell.contains(Point(x, y)):
                by_point[i] = cell.intersection(frame)
                break
    features = []
    per_kecamatan = defaultdict(list)
    for i, (code, name, _kecamatan) in enumerate(owners):
        cell = by_point[i]
        per_kecamatan[code.replace(".", "")[:6]].append(cell)
        features.append(
            {
                "type": "Feature",
                "properties": {"village_code": code, "village_name": name},
                "geometry": cell.__geo_interface__,
            }
        )
    if kecamatan_shapes:
        for prefix, parts in sorted(per_kecamatan.items()):
            features.append(
                {
                    "type": "Feature",
                    "properties": {"kode_kec": dotted(prefix)},
                    "geometry": unary_union(parts).__geo_interface__,
                }
            )
    return {"type": "FeatureCollection", "features": features}
