"""The contribution rules as a plan records them: which parameter set, and the premiums it used.

The parameter files themselves, their loader and the look-up by date live in `scenarios.rules`.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class FundingSource(StrEnum):
    """Who pays a premium: the village's dana desa, its ADD, or its kabupaten's APBD pool."""

    dana_desa = "dana_desa"
    add = "add"
    apbd_pool = "apbd_pool"


class Reference(BaseModel):
    """Where a value comes from in law."""

    title: str = Field(description="the regulation, e.g. Peraturan Pemerintah Nomor 50 Tahun 2025")
    article: str = Field(description="its article, ayat or annex, or 'not identified'")
    href: str | None = Field(default=None, description="where to read it")


class RulesUsed(BaseModel):
    """The parameter set a scenario's premiums were looked up in."""

    name: str = Field(description="the parameter set, e.g. bpjs-tk-bpu", examples=["bpjs-tk-bpu"])
    version: str = Field(description="its version", examples=["2026.1"])
    citations: dict[str, str] = Field(
        default_factory=dict, description="each parameter used, with its regulation and article"
    )


class MonthlyPremium(BaseModel):
    """One month's premium of one package, for one sector and one funding source."""

    package: str = Field(description="the package's code")
    month: str | None = Field(
        default=None, description="the month, YYYY-MM; none: every month of the horizon (a typed premium)"
    )
    sector: str | None = Field(default=None, description="general or transport; none: every sector")
    source: FundingSource | None = Field(default=None, description="who pays; none: every source")
    declared_income_idr: float | None = Field(default=None, description="the declared-income tier, rupiah")
    premium_idr: float = Field(description="premium per worker for this month, rupiah")
    payable_share: float = Field(
        default=1.0, description="share of the JKK and JKM contributions payable (0.5 under PP 50/2025)"
    )
    parameters: list[str] = Field(
        default_factory=list, description="the rules' parameters this premium used (see the rules' citations)"
    )
