"""The contribution rules as a plan records them: which parameter set, and the premiums it used.

The parameter files themselves, their loader and the look-up by date live in `scenarios.rules`.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

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


class RuleValue(BaseModel):
    effective: dt.date = Field(description="the date this value takes effect")
    value: Any = Field(description="the value (a number, a list, or an object by sector or source)")


class RuleParameterPublic(BaseModel):
    """One parameter of the contribution rules, with every dated value and its legal reference."""

    name: str = Field(examples=["jkk_jkm_payable_share"])
    label: str
    description: str
    unit: str
    period: str | None = None
    values: list[RuleValue]
    reference: list[Reference]
    unconfirmed: bool = Field(description="true where a value or its article is not confirmed")
    note: str | None = None


class RuleSetPublic(BaseModel):
    """A parameter set of the contribution rules (read-only)."""

    name: str = Field(examples=["bpjs-tk-bpu"])
    version: str = Field(examples=["2026.1"])
    label: str
    parameters: list[RuleParameterPublic]
