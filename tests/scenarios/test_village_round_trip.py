"""A village table written by desaplan reads back exactly the same."""

from __future__ import annotations

import math
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_helpers import GOOD_ROWS, csv_text, write_text

from models import DEFAULT_KABUPATEN, Village, VillageTable
from scenarios import (
    read_villages,
    villages_csv_bytes,
    villages_frame,
    villages_xlsx_bytes,
    write_villages_csv,
    write_villages_xlsx,
)

# names as planners write them, commas, quotes and digits included; no control characters
text = (
    st.text(
        alphabet=st.characters(
            codec="utf-8", categories=["L", "N", "P", "Zs"], exclude_characters="\u2028\u2029"
        ),
        min_size=1,
        max_size=20,
    )
    .map(str.strip)
    .filter(bool)
)
rupiah = st.one_of(
    st.integers(0, 10**13).map(float),
    st.floats(0, 1e13, allow_nan=False, allow_infinity=False),
)


@st.composite
def tables(draw: st.DrawFn) -> VillageTable:
    groups = draw(
        st.lists(
            st.sampled_from(["farmers", "fishers", "traders", "village_officials"]),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    codes = draw(st.lists(st.integers(0, 10**10 - 1), min_size=1, max_size=6, unique=True))
    with_kabupaten = draw(st.booleans())
    villages = []
    for code in codes:
        digits = f"{code:010d}"
        counts = st.integers(0, 10**6)
        villages.append(
            Village(
                village_code=f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}",
                village_name=draw(text),
                kecamatan=draw(text),
                kabupaten=draw(text) if with_kabupaten else DEFAULT_KABUPATEN,
                dana_desa_idr=draw(rupiah),
                add_idr=draw(rupiah),
                uninsured={g: draw(counts) for g in groups},
                enrolled={g: draw(counts) for g in groups},
                priority=draw(st.floats(0, 100, allow_nan=False)),
                max_share=draw(st.none() | st.floats(0, 1)),
            )
        )
    return VillageTable(groups=groups, villages=villages)


def same(back: VillageTable, table: VillageTable) -> None:
    assert back.groups == table.groups
    assert back.villages == table.villages


NUMBERS = {"dana_desa_idr", "add_idr", "priority", "max_share"}


def close(back: VillageTable, table: VillageTable) -> None:
    """XLSX keeps numbers to Excel's precision (openpyxl writes 16 significant digits), so
    fractions may differ in the last digit; everything else is exact."""
    assert back.groups == table.groups
    assert len(back.villages) == len(table.villages)
    for got, want in zip(back.villages, table.villages, strict=True):
        for name in NUMBERS:
            a, b = getattr(got, name), getattr(want, name)
            assert (a is None and b is None) or math.isclose(a, b, rel_tol=1e-15, abs_tol=0)
        assert got.model_dump(exclude=NUMBERS) == want.model_dump(exclude=NUMBERS)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables())
def test_csv_round_trip(table: VillageTable) -> None:
    same(read_villages(villages_csv_bytes(table), filename="villages.csv"), table)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables())
def test_xlsx_round_trip(table: VillageTable) -> None:
    close(read_villages(villages_xlsx_bytes(table), filename="villages.xlsx"), table)


def test_fractional_rupiah_that_look_like_thousands_survive(tmp_path: Path) -> None:
    table = read_villages(write_text(tmp_path, "v.csv", csv_text(GOOD_ROWS)))
    village = table.villages[0].model_copy(update={"dana_desa_idr": 123.456})
    odd = VillageTable(groups=table.groups, villages=[village])

    back = read_villages(write_villages_csv(odd, tmp_path / "odd.csv"))

    assert back.villages[0].dana_desa_idr == 123.456


def test_written_files_use_the_contract_columns(tmp_path: Path) -> None:
    table = read_villages(write_text(tmp_path, "v.csv", csv_text(GOOD_ROWS)))

    frame = villages_frame(table)
    back_csv = read_villages(write_villages_csv(table, tmp_path / "out.csv"))
    back_xlsx = read_villages(write_villages_xlsx(table, tmp_path / "out.xlsx"))

    assert list(frame.columns) == [
        "village_code",
        "village_name",
        "kecamatan",
        "dana_desa_idr",
        "add_idr",
        "uninsured_farmers",
        "uninsured_fishers",
        "enrolled_farmers",
        "enrolled_fishers",
        "priority",
    ]
    assert back_csv.villages == table.villages == back_xlsx.villages
