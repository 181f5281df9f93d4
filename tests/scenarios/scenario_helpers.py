"""Small tables and hand-made plans for the tests of scenarios/ (no solver involved)."""

from __future__ import annotations

from pathlib import Path

from models import Plan, PoolUse, Status, Totals, VillagePlan

HEADER = (
    "village_code,village_name,kecamatan,dana_desa_idr,add_idr,"
    "uninsured_farmers,enrolled_farmers,uninsured_fishers"
)
GOOD_ROWS = [
    "32.16.01.2001,Sagara Makmur,Tarumajaya,1580000000,900000000,120,10,30",
    "32.16.01.2002,Segarajaya,Tarumajaya,1600000000,0,80,0,0",
]


def write_text(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def csv_text(rows: list[str], header: str = HEADER, sep: str = ",") -> str:
    lines = [header, *rows]
    if sep != ",":
        lines = [line.replace(",", sep) for line in lines]
    return "\n".join(lines) + "\n"


def village_plan(
    code: str,
    kecamatan: str,
    enrollments: dict[str, dict[str, float]],
    spend: tuple[float, float, float],
    enrolled_before: int,
    workers: int,
    kabupaten: str = "",
    marginal: float | None = None,
) -> VillagePlan:
    new = sum(n for by_package in enrollments.values() for n in by_package.values())
    return VillagePlan(
        village_code=code,
        village_name=f"Desa {code[-4:]}",
        kecamatan=kecamatan,
        kabupaten=kabupaten,
        new_enrollments=new,
        enrollments=enrollments,
        spend_dana_desa_idr=spend[0],
        spend_add_idr=spend[1],
        spend_apbd_idr=spend[2],
        spend_total_idr=sum(spend),
        workers_enrolled_before=enrolled_before,
        workers_total=workers,
        coverage_before=enrolled_before / workers,
        coverage_after=(enrolled_before + new) / workers,
        marginal_value_per_million=marginal,
    )


def small_plan(integer: bool = True) -> Plan:
    """Three villages in two kecamatan, two groups, two packages."""
    c1, c2 = 16800 * 12, 36800 * 12
    villages = [
        village_plan(
            "32.16.01.2001",
            "Tarumajaya",
            {"farmers": {"JKK-JKM": 10, "JKK-JKM-JHT": 2}, "fishers": {"JKK-JKM": 5}},
            (15 * c1, 0.0, 2 * c2),
            enrolled_before=20,
            workers=100,
            marginal=4.5,
        ),
        village_plan(
            "32.16.01.2002",
            "Tarumajaya",
            {"farmers": {"JKK-JKM": 0, "JKK-JKM-JHT": 0}, "fishers": {"JKK-JKM": 0}},
            (0.0, 0.0, 0.0),
            enrolled_before=10,
            workers=50,
        ),
        village_plan(
            "32.16.02.2001",
            "Babelan",
            {"farmers": {"JKK-JKM": 7}, "fishers": {"JKK-JKM-JHT": 3}},
            (3 * c1, 4 * c1, 3 * c2),
            enrolled_before=0,
            workers=40,
        ),
    ]
    new_total = sum(v.new_enrollments for v in villages)
    spend = [
        sum(getattr(v, f) for v in villages)
        for f in ("spend_dana_desa_idr", "spend_add_idr", "spend_apbd_idr")
    ]
    totals = Totals(
        new_enrollments=new_total,
        new_by_group={"farmers": 19, "fishers": 8},
        new_by_package={"JKK-JKM": 22, "JKK-JKM-JHT": 5},
        spend_dana_desa_idr=spend[0],
        spend_add_idr=spend[1],
        spend_apbd_idr=spend[2],
        spend_total_idr=sum(spend),
        workers_enrolled_before=30,
        workers_total=190,
        coverage_before=30 / 190,
        coverage_after=(30 + new_total) / 190,
        villages=3,
        villages_with_new_enrollments=2,
    )
    return Plan(
        status=Status.optimal,
        objective=41.5,
        objective_name="max_protection",
        scenario_name="Test scenario",
        integer=integer,
        totals=totals,
        villages=villages,
        pools=[PoolUse(kabupaten="", pool_idr=2e6, spent_idr=spend[2])],
        groups=["farmers", "fishers"],
        packages=["JKK-JKM", "JKK-JKM-JHT"],
    )
