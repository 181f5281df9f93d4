"""The Kabupaten Bekasi example: 187 real villages with estimated budgets and workers, and
scenarios for them (see scenarios/README.md for how every number was made)."""

from pathlib import Path

_HERE = Path(__file__).parent
BEKASI_VILLAGES = _HERE / "bekasi_villages.csv"
_SLUGS = ("dd3_officials", "add_pool_floor20", "min_cost_19000", "contract_example")
# fiscal year 2026 from April, packages priced by the contribution rules (PP 50/2025's reduction);
# not one of the calibrated scenarios above, nor loaded into the service at its first start
BEKASI_RULES_2026 = _HERE / "bekasi_2026_april_rules.json"
# fiscal years 2026 to 2028 from April 2026 with continuity (a multi-year plan), rules-priced;
# not loaded into the service at its first start either
BEKASI_MULTIYEAR_2026_2028 = _HERE / "bekasi_2026_2028_multiyear.json"


def bekasi_scenarios() -> dict[str, Path]:
    """The example scenario files by slug."""
    return {slug: _HERE / f"{slug}.json" for slug in _SLUGS}


__all__ = ["BEKASI_MULTIYEAR_2026_2028", "BEKASI_RULES_2026", "BEKASI_VILLAGES", "bekasi_scenarios"]
