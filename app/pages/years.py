"""A multi-year plan on its page: the months it paid for, its premiums and each village's years, in
the planner's words.

The premiums of a rules-priced plan come one per package, month, sector and source; the page shows
them as runs of consecutive months with the same premium, so April to December 2026 at the
reduced premium is one row, not nine. Each village of the page's list opens onto its own years:
new enrolments, funded workers and money per source, year by year."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.i18n import Formats
from models import VillageYear
from models.rules import MonthlyPremium

SOURCE_ORDER = ("dana_desa", "add", "apbd_pool")  # as the plan's tables list the money


@dataclass(frozen=True)
class PremiumRun:
    """One package's premium for one sector and source over consecutive months."""

    package: str
    sector: str | None
    source: str | None
    first_month: str | None  # YYYY-MM; none: every month (a typed premium)
    last_month: str | None
    premium_idr: float
    payable_share: float


def month_label(fmt: Formats, month: str | None) -> str:
    """`2026-04` -> `April 2026` in the locale's month names."""
    if not month:
        return ""
    year, number = month.split("-")
    return f"{fmt.locale.months['format']['wide'][int(number)]} {year}"


def month_names(fmt: Formats) -> list[tuple[int, str]]:
    """The twelve months, numbered from 1, in the locale's names (the start-month picker)."""
    return [(number, fmt.locale.months["format"]["wide"][number]) for number in range(1, 13)]


def _next_month(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return f"{year + number // 12}-{number % 12 + 1:02d}"


def premium_runs(premiums: Iterable[MonthlyPremium]) -> list[PremiumRun]:
    """Consecutive months of one package, sector and source at the same premium, as one run each."""
    runs: list[PremiumRun] = []
    ordered = sorted(
        premiums,
        key=lambda p: (
            p.package,
            p.sector or "",
            SOURCE_ORDER.index(p.source.value) if p.source else -1,
            p.month or "",
        ),
    )
    for premium in ordered:
        source = premium.source.value if premium.source else None
        last = runs[-1] if runs else None
        if (
            last is not None
            and premium.month is not None
            and last.last_month is not None
            and (last.package, last.sector, last.source) == (premium.package, premium.sector, source)
            and (last.premium_idr, last.payable_share) == (premium.premium_idr, premium.payable_share)
            and _next_month(last.last_month) == premium.month
        ):
            runs[-1] = PremiumRun(
                last.package,
                last.sector,
                last.source,
                last.first_month,
                premium.month,
                last.premium_idr,
                last.payable_share,
            )
            continue
        runs.append(
            PremiumRun(
                premium.package,
                premium.sector,
                source,
                premium.month,
                premium.month,
                premium.premium_idr,
                premium.payable_share,
            )
        )
    return runs


def years_of_villages(detail: dict[str, Any], codes: Iterable[str]) -> dict[str, list[VillageYear]]:
    """The years of the villages `codes` from a stored plan's detail (its `village_years`), year
    by year; none for a one-year plan."""
    wanted = set(codes)
    out: dict[str, list[VillageYear]] = {}
    for row in detail.get("village_years") or []:
        if row.get("village_code") in wanted:
            out.setdefault(row["village_code"], []).append(VillageYear.model_validate(row))
    for years in out.values():
        years.sort(key=lambda y: y.year)
    return out
