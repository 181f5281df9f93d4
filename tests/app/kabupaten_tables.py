"""Synthetic village tables of several kabupaten, for the queue's fan-out tests."""

from __future__ import annotations


def kabupaten_rows_csv(kabupaten: int, per_kabupaten: int) -> str:
    """A synthetic table of `kabupaten` kabupaten of `per_kabupaten` villages each (kecamatan of
    100 villages), with a `kabupaten` column: with a pool per kabupaten, one block each."""
    lines = [
        "village_code,village_name,kecamatan,kabupaten,dana_desa_idr,add_idr,uninsured_farmers,"
        "uninsured_fishers,uninsured_traders,enrolled_farmers,priority"
    ]
    for k in range(kabupaten):
        for i in range(per_kabupaten):
            kecamatan, village = divmod(i, 100)
            j = k * per_kabupaten + i
            lines.append(
                f"32.{10 + k:02d}.{kecamatan + 1:02d}.{2001 + village},Desa {j},Kecamatan {k}-{kecamatan},"
                f"32.{10 + k:02d},{900_000_000 + 7_919 * (j % 500) * 1000},"
                f"{300_000_000 + (j % 37) * 10_000_000},{300 + j % 300},{j % 90},{60 + j % 70},"
                f"{j % 40},{1 + (j % 7) / 10}"
            )
    return "\n".join(lines) + "\n"


def kabupaten_pools(kabupaten: int, pool_idr: float) -> dict[str, float]:
    """A pool of `pool_idr` for each kabupaten of `kabupaten_rows_csv`."""
    return {f"32.{10 + k:02d}": pool_idr for k in range(kabupaten)}
