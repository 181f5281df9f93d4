"""A district's boundaries (GeoJSON, or a zipped shapefile) of desa and kecamatan keyed by
Kemendagri code: read, checked against the village table, and kept as plain GeoJSON.

Refused whole, every refused feature named (its number and its code): not a polygon, no code, a
code of no village in the table, broken geometry (self-crossing rings and the like). Villages the
file has no shape for are said (`missing`), not refused: a map may be partial.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry import shape
from shapely.validation import explain_validity

from models import InputError, InputIssue

# the properties a feature's code may be under (BIG's and BPS's files, and ours)
CODE_PROPERTIES = (
    "village_code",
    "kode_desa",
    "kode_kemendagri",
    "kode",
    "kdepum",
    "kode_kec",
    "kecamatan_code",
    "kdcpum",
    "code",
    "id",
)
NAME_PROPERTIES = (
    "village_name",
    "nama_desa",
    "namobj",
    "wadmkd",
    "kecamatan",
    "nama_kec",
    "wadmkc",
    "name",
    "nama",
)
_POLYGONS = ("Polygon", "MultiPolygon")
MAX_ISSUES = 100


@dataclass(frozen=True)
class Boundaries:
    """The checked shapes: one GeoJSON feature per code (`properties.code`, `.level` desa or
    kecamatan, `.name`), the table's villages without a shape, and the kecamatan codes."""

    features: list[dict[str, Any]]
    missing: list[str] = field(default_factory=list)  # village codes with no desa (nor kecamatan) shape

    @property
    def levels(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for f in self.features:
            counts[f["properties"]["level"]] = counts.get(f["properties"]["level"], 0) + 1
        return counts

    def geojson(self) -> dict[str, Any]:
        return {"type": "FeatureCollection", "features": self.features}


def _digits(value: object) -> str:
    return re.sub(r"[.\s-]", "", str(value)) if value is not None else ""


def dotted(digits: str) -> str:
    """`3216012001` -> `32.16.01.2001`, `321601` -> `32.16.01`."""
    parts = [digits[0:2], digits[2:4], digits[4:6]] + ([digits[6:]] if len(digits) > 6 else [])
    return ".".join(parts)


def _property(properties: dict[str, Any], names: tuple[str, ...]) -> object:
    lowered = {str(k).lower(): v for k, v in properties.items()}
    for name in names:
        value = lowered.get(name)
        if value not in (None, ""):
            return value
    return None


def _collection(content: bytes, filename: str) -> dict[str, Any]:
    if filename.lower().endswith(".zip"):
        return _shapefile(content, filename)
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(
            [InputIssue(file=filename, message=f"not GeoJSON: {exc}")], title="The boundaries were refused"
        ) from exc
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise InputError(
            [InputIssue(file=filename, message="not a GeoJSON FeatureCollection")],
            title="The boundaries were refused",
        )
    return data


def _shapefile(content: bytes, filename: str) -> dict[str, Any]:
    """A zipped shapefile (.shp, .shx, .dbf) as a FeatureCollection, through pyshp."""
    import shapefile

    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        names = {n.lower().rsplit(".", 1)[-1]: n for n in archive.namelist() if not n.endswith("/")}
        missing = [ext for ext in ("shp", "dbf") if ext not in names]
        if missing:
            raise InputError(
                [InputIssue(file=filename, message=f"the zip has no .{missing[0]} file")],
                title="The boundaries were refused",
            )
        reader = shapefile.Reader(
            shp=io.BytesIO(archive.read(names["shp"])),
            dbf=io.BytesIO(archive.read(names["dbf"])),
            shx=io.BytesIO(archive.read(names["shx"])) if "shx" in names else None,
        )
        return dict(reader.__geo_interface__)
    except (zipfile.BadZipFile, shapefile.ShapefileException, OSError) as exc:
        raise InputError(
            [InputIssue(file=filename, message=f"not a zipped shapefile: {exc}")],
            title="The boundaries were refused",
        ) from exc


def read_boundaries(content: bytes, filename: str, village_codes: set[str]) -> Boundaries:
    """The file's polygons keyed by Kemendagri code, checked against the table's villages."""
    data = _collection(content, filename)
    villages = {_digits(c) for c in village_codes}
    kecamatan = {c[:6] for c in villages}
    issues: list[InputIssue] = []
    features: dict[str, dict[str, Any]] = {}
    for number, feature in enumerate(data["features"], start=1):
        where = f"features[{number - 1}]"
        properties = (feature or {}).get("properties") or {}
        raw_code = _property(properties, CODE_PROPERTIES)
        code = _digits(raw_code)
        label = f"feature {number}" + (f" ({raw_code})" if raw_code is not None else "")
        geometry = (feature or {}).get("geometry") or {}
        if geometry.get("type") not in _POLYGONS:
            kind = geometry.get("type") or "no geometry"
            issues.append(InputIssue(file=filename, field=where, message=f"{label}: not a polygon ({kind})"))
            continue
        if raw_code is None:
            issues.append(
                InputIssue(
                    file=filename,
                    field=where,
                    message=f"{label}: no Kemendagri code (a property "
                    f"{', '.join(CODE_PROPERTIES[:4])} or similar)",
                )
            )
            continue
        if len(code) == 10 and code.isdigit():
            level = "desa"
            known = code in villages
        elif len(code) == 6 and code.isdigit():
            level = "kecamatan"
            known = code in kecamatan
        else:
            issues.append(
                InputIssue(
                    file=filename,
                    field=where,
                    message=f"{label}: not a Kemendagri code of a desa (32.16.01.2001) "
                    "or a kecamatan (32.16.01)",
                )
            )
            continue
        if not known:
            issues.append(
                InputIssue(
                    file=filename,
                    field=where,
                    message=f"{label}: unknown code: no {level} of the village table has it",
                )
            )
            continue
        try:
            polygon = shape(geometry)
        except (ValueError, TypeError, IndexError, AttributeError) as exc:
            issues.append(InputIssue(file=filename, field=where, message=f"{label}: broken geometry: {exc}"))
            continue
        if polygon.is_empty or not polygon.is_valid:
            reason = "empty" if polygon.is_empty else explain_validity(polygon)
            issues.append(
                InputIssue(file=filename, field=where, message=f"{label}: broken geometry: {reason}")
            )
            continue
        if code in features:
            issues.append(InputIssue(file=filename, field=where, message=f"{label}: the code comes twice"))
            continue
        name = _property(properties, NAME_PROPERTIES)
        features[code] = {
            "type": "Feature",
            "id": dotted(code),
            "properties": {
                "code": dotted(code),
                "level": level,
                "name": str(name) if name is not None else "",
            },
            "geometry": polygon.__geo_interface__,
        }
        if len(issues) >= MAX_ISSUES:
            break
    if issues:
        raise InputError(issues, title="The boundaries were refused")
    if not features:
        raise InputError(
            [InputIssue(file=filename, message="no features")], title="The boundaries were refused"
        )
    missing = sorted(dotted(c) for c in villages if c not in features and c[:6] not in features)
    return Boundaries(features=list(features.values()), missing=missing)


def boundaries_from_geojson(data: dict[str, Any]) -> Boundaries:
    """Stored boundaries read back (checked when they were stored)."""
    return Boundaries(features=list(data.get("features", [])), missing=list(data.get("missing", [])))
