"""The contribution rules as dated, cited data, and the one look-up by date.

`scenarios/rules/bpu/` holds one YAML file per parameter, in the manner of PolicyEngine's parameter
files (and GETTSIM's GEP 3): `values` keyed by the date each value takes effect, `metadata` with its
unit, label, the legal `reference` (title, article, link; at least one), and `unconfirmed: true` or a
`note` where a value or its article could not be confirmed in the regulation's own text. Each file
is validated at load, its values against the parameter's own type; `ruleset.yaml` names the set and
its version. `value_at` is the only look-up by date; `monthly_premium` and `resolve` build on it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from models import InputIssue, Package, Scenario, ScenarioError
from models.errors import InputError
from models.rules import (
    FundingSource,
    MonthlyPremium,
    Reference,
    RuleParameterPublic,
    RuleSetPublic,
    RulesUsed,
    RuleValue,
)

RULES_DIR = Path(__file__).parent / "bpu"
SECTORS = ("general", "transport")

_Share = Annotated[float, Field(ge=0, le=1)]
_Rupiah = Annotated[float, Field(gt=0)]
_Sector = Literal["general", "transport"]
_Programme = Literal["jkk", "jkm", "jht"]

# every parameter the rules need, with the type of its values
VALUE_TYPES: dict[str, Any] = {
    "declared_income_tiers_idr": list[_Rupiah],
    "jkk_rate": _Share,
    "jkm_idr": _Rupiah,
    "jht_rate": _Share,
    "jkk_jkm_payable_share": dict[_Sector, _Share],
    "jkk_jkm_reduction_sources": dict[FundingSource, bool],
    "group_sectors": dict[str, _Sector],
    "packages": dict[str, list[_Programme]],
}


class RulesError(InputError):
    """A parameter file of the contribution rules was refused."""

    def __init__(self, issues: list[InputIssue]) -> None:
        super().__init__(issues, title="The contribution rules were refused")


class Metadata(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit: str
    label: str
    period: Literal["month"] | None = None
    reference: list[Reference] = Field(min_length=1)
    unconfirmed: bool = False
    note: str | None = None


class Parameter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = ""
    description: str
    values: dict[dt.date, Any] = Field(min_length=1)
    metadata: Metadata


class RuleSet(BaseModel):
    name: str
    version: str
    label: str
    parameters: dict[str, Parameter]

    @property
    def used(self) -> RulesUsed:
        return RulesUsed(
            name=self.name,
            version=self.version,
            citations={name: cite(self, name) for name in self.parameters},
        )


def _read_yaml(path: Path) -> Any:
    import yaml  # the rules' files load only when a scenario prices packages by them

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RulesError([InputIssue(file=path.name, message=f"unreadable: {exc}")]) from None


def _issues(exc: ValidationError, file: str, prefix: str = "") -> list[InputIssue]:
    return [
        InputIssue(
            file=file, field=".".join([prefix, *(str(p) for p in e["loc"])]).strip("."), message=e["msg"]
        )
        for e in exc.errors()
    ]


def load_rules(folder: Path = RULES_DIR) -> RuleSet:
    """Read and validate a parameter set (RulesError names the file and field of every problem)."""
    head = _read_yaml(folder / "ruleset.yaml")
    if not isinstance(head, dict):
        raise RulesError([InputIssue(file="ruleset.yaml", message="must be an object")])
    issues: list[InputIssue] = []
    parameters: dict[str, Parameter] = {}
    for name, value_type in VALUE_TYPES.items():
        path = folder / f"{name}.yaml"
        if not path.exists():
            issues.append(InputIssue(file=path.name, message="the parameter file is missing"))
            continue
        try:
            parameter = Parameter.model_validate({**(_read_yaml(path) or {}), "name": name})
        except ValidationError as exc:
            issues.extend(_issues(exc, path.name))
            continue
        adapter = TypeAdapter(value_type)
        for day, value in parameter.values.items():
            try:
                parameter.values[day] = adapter.validate_python(value)
            except ValidationError as exc:
                issues.extend(_issues(exc, path.name, f"values.{day.isoformat()}"))
        parameter.values = dict(sorted(parameter.values.items()))
        parameters[name] = parameter
    try:
        rules = RuleSet.model_validate({**head, "parameters": parameters})
    except ValidationError as exc:
        issues.extend(_issues(exc, "ruleset.yaml"))
    if issues:
        raise RulesError(issues)
    return rules


@cache
def default_rules() -> RuleSet:
    """The parameter set shipped in the repository."""
    return load_rules()


def value_at(rules: RuleSet, parameter: str, day: dt.date) -> Any:
    """The value of `parameter` in force on `day`: the one with the latest effective date <= day."""
    values = rules.parameters[parameter].values
    in_force = [effective for effective in values if effective <= day]
    if not in_force:
        first = min(values)
        raise ValueError(f"{parameter} has no value before {first.isoformat()} (asked for {day.isoformat()})")
    return values[max(in_force)]


def cite(rules: RuleSet, parameter: str) -> str:
    """`parameter: title, article` for a plan's record."""
    refs = rules.parameters[parameter].metadata
    text = "; ".join(f"{r.title.split(' tentang ')[0]}, {r.article}" for r in refs.reference)
    return f"{parameter}: {text}" + (" (unconfirmed)" if refs.unconfirmed else "")


def sector_of(rules: RuleSet, group: str, day: dt.date) -> str:
    return str(value_at(rules, "group_sectors", day).get(group, "general"))


def monthly_premium(
    rules: RuleSet,
    package: str,
    declared_income_idr: float,
    month: dt.date,
    sector: str,
    source: FundingSource,
) -> MonthlyPremium:
    """One worker's premium for one month of a package at a declared-income tier, for a sector and
    the source that pays. ValueError for a package, tier or date the rules do not have."""
    programmes = value_at(rules, "packages", month).get(package)
    if programmes is None:
        known = ", ".join(value_at(rules, "packages", month))
        raise ValueError(f"the rules have no package '{package}' (they have: {known})")
    tiers = value_at(rules, "declared_income_tiers_idr", month)
    if declared_income_idr not in tiers:
        raise ValueError(
            f"Rp{declared_income_idr:,.0f} is not a declared-income tier of the rules "
            f"(the lowest is Rp{min(tiers):,.0f}; tiers run to Rp{max(tiers):,.0f})"
        )
    share = 1.0
    if value_at(rules, "jkk_jkm_reduction_sources", month).get(source, False):
        share = float(value_at(rules, "jkk_jkm_payable_share", month)[sector])
    jkk = round(value_at(rules, "jkk_rate", month) * declared_income_idr)
    jkm = float(value_at(rules, "jkm_idr", month))
    premium = 0.0
    used = ["packages", "declared_income_tiers_idr", "jkk_jkm_reduction_sources"]
    if "jkk" in programmes:
        premium += jkk * share
        used.append("jkk_rate")
    if "jkm" in programmes:
        premium += jkm * share
        used.append("jkm_idr")
    if share != 1.0:
        used.append("jkk_jkm_payable_share")
    if "jht" in programmes:
        premium += round(value_at(rules, "jht_rate", month) * declared_income_idr)
        used.append("jht_rate")
    return MonthlyPremium(
        package=package,
        month=f"{month.year:04d}-{month.month:02d}",
        sector=sector,
        source=source,
        declared_income_idr=declared_income_idr,
        premium_idr=float(premium),
        payable_share=share,
        parameters=used,
    )


def resolve(scenario: Scenario, rules: RuleSet | None = None) -> Scenario:
    """The scenario with every month's premium of its rules-priced packages looked up, per sector
    and funding source, and the parameter set it used. A scenario with typed premiums only comes
    back as it is. ScenarioError names the package field the rules cannot price."""
    bad_sectors = [
        InputIssue(
            field=f"group_sectors.{group}", message=f"unknown sector '{sector}': use {' or '.join(SECTORS)}"
        )
        for group, sector in scenario.group_sectors.items()
        if sector not in SECTORS
    ]
    if bad_sectors:
        raise ScenarioError(bad_sectors)
    if not any(p.from_rules for p in scenario.packages):
        # what desaplan fills in is never taken from the input
        if scenario.rules is None and not scenario.premium_schedule:
            return scenario
        return scenario.model_copy(update={"rules": None, "premium_schedule": []})
    rules = rules or default_rules()
    assert scenario.fiscal_year is not None  # the scenario's own validator asks for it
    months = [dt.date(int(m[:4]), int(m[5:]), 1) for m in scenario.months()]
    schedule: list[MonthlyPremium] = []
    issues: list[InputIssue] = []
    for i, package in enumerate(scenario.packages):
        if not package.from_rules:
            continue
        try:
            schedule.extend(_package_months(rules, package, months))
        except ValueError as exc:
            field = (
                "code" if "no package" in str(exc) else ("declared_income_idr" if "tier" in str(exc) else "")
            )
            issues.append(InputIssue(field=f"packages.{i}.{field}".rstrip("."), message=str(exc)))
    if issues:
        raise ScenarioError(issues)
    sectors = {**value_at(rules, "group_sectors", months[0]), **scenario.group_sectors}
    return scenario.model_copy(
        update={"rules": rules.used, "premium_schedule": schedule, "group_sectors": sectors}
    )


def _package_months(rules: RuleSet, package: Package, months: list[dt.date]) -> list[MonthlyPremium]:
    assert package.declared_income_idr is not None
    return [
        monthly_premium(rules, package.code, package.declared_income_idr, month, sector, source)
        for month in months
        for sector in SECTORS
        for source in FundingSource
    ]


@dataclass(frozen=True)
class PremiumRange:
    """Premiums of one package for some sectors and sources, as runs of months at one premium."""

    package: str
    sectors: tuple[str, ...]
    sources: tuple[str, ...]
    runs: tuple[tuple[str, str, float], ...]  # (first month, last month, premium a month)


def premium_ranges(premiums: list[MonthlyPremium]) -> list[PremiumRange]:
    """A plan's monthly premiums told briefly: consecutive months at the same premium as one run,
    and sectors and sources with the same runs together."""
    by_key: dict[tuple[str, str, str], list[MonthlyPremium]] = {}
    for p in premiums:
        if p.month is None:
            continue
        by_key.setdefault((p.package, p.sector or "", p.source.value if p.source else ""), []).append(p)
    runs_of: dict[tuple[str, str, str], tuple[tuple[str, str, float], ...]] = {}
    for key, months in by_key.items():
        found: list[list[Any]] = []
        for p in sorted(months, key=lambda m: m.month or ""):
            if found and found[-1][2] == p.premium_idr:
                found[-1][1] = p.month
            else:
                found.append([p.month, p.month, p.premium_idr])
        runs_of[key] = tuple((str(a), str(b), float(c)) for a, b, c in found)
    merged: dict[tuple[str, tuple[tuple[str, str, float], ...]], list[tuple[str, str]]] = {}
    for (package, sector, source), runs in runs_of.items():
        merged.setdefault((package, runs), []).append((sector, source))
    out = []
    for (package, runs), where in merged.items():
        sectors = tuple(dict.fromkeys(s for s, _ in where))
        sources = tuple(dict.fromkeys(s for _, s in where))
        out.append(PremiumRange(package=package, sectors=sectors, sources=sources, runs=runs))
    return out


def describe(rules: RuleSet) -> RuleSetPublic:
    """Every parameter with its values, dates and references, for `desaplan rules` and `GET /rules`."""
    parameters = []
    for name, p in rules.parameters.items():
        meta = p.metadata
        parameters.append(
            RuleParameterPublic(
                name=name,
                label=meta.label,
                description=" ".join(p.description.split()),
                unit=meta.unit,
                period=meta.period,
                values=[RuleValue(effective=day, value=value) for day, value in p.values.items()],
                reference=meta.reference,
                unconfirmed=meta.unconfirmed,
                note=" ".join(meta.note.split()) if meta.note else None,
            )
        )
    return RuleSetPublic(name=rules.name, version=rules.version, label=rules.label, parameters=parameters)


__all__ = [
    "RULES_DIR",
    "PremiumRange",
    "RuleSet",
    "RulesError",
    "default_rules",
    "describe",
    "premium_ranges",
    "load_rules",
    "monthly_premium",
    "resolve",
    "value_at",
]
