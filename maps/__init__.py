"""The plan on a map: the district's boundaries (desa and kecamatan, keyed by Kemendagri code)
read and checked, and choropleths drawn offline (plotly for the pages, matplotlib for the brief)."""

from maps.boundaries import Boundaries, boundaries_from_geojson, read_boundaries
from maps.draw import MEASURES, Measure, choropleth_svg, plotly_figure, shape_values
from models import Plan


def coverage_map_svg(boundaries: Boundaries, plan: Plan, coverage_label: str, shortfall_label: str) -> str:
    """The brief's map: coverage after the plan, or the shortfall of an infeasible plan's villages."""
    if plan.villages:
        return choropleth_svg(boundaries, plan, "coverage_after", coverage_label)
    return choropleth_svg(boundaries, plan, "shortfall_idr", shortfall_label)


__all__ = [
    "MEASURES",
    "Boundaries",
    "Measure",
    "boundaries_from_geojson",
    "choropleth_svg",
    "coverage_map_svg",
    "plotly_figure",
    "read_boundaries",
    "shape_values",
]
