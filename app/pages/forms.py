"""The scenario form: its fields, their defaults and help, and the form read back as scenario JSON.

Percentages are typed as percent (`3` or `2,5`), rupiah as whole numbers with or without the
thousands dots (`1.500.000.000`), decimals with a comma or a point. A field that cannot be read is
refused with its name, like any other scenario error."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from app.i18n import N_
from models import InputError, InputIssue, Scenario

GROWTH_FIELDS = ("dana_desa_growth", "add_growth", "pool_growth")  # of the multi-year block
YEAR_LIST_FIELDS = ("min_coverage", "apbd_pool_idr", "min_new_enrollments")  # one value per year
EXTRA_PACKAGE_ROWS = 2  # empty package rows offered below the scenario's own
# the packages offered for a new scenario: BPJS Ketenagakerjaan's premiums for informal workers
DEFAULT_PACKAGES = [
    {"code": "JKK-JKM", "monthly_premium_idr": 16800, "value": 1.0},
    {"code": "JKK-JKM-JHT", "monthly_premium_idr": 36800, "value": 1.3},
]

HELP = {
    "name": N_("A name that says what the scenario asks, e.g. '3% of dana desa'."),
    "horizon_months": N_("Months of premiums paid from this year's budgets (default 12)."),
    "packages": N_(
        "Each package: its code, its monthly premium in rupiah per worker, and its value "
        "(how much protection it gives against the first, default 1)."
    ),
    "declared_income_idr": N_(
        "Or leave the premium empty and give the declared income (e.g. 1.000.000, the lowest tier): "
        "the premium of each month then comes from the contribution rules."
    ),
    "fiscal_year": N_("The budget year whose money pays (needed for premiums from the contribution rules)."),
    "start_month": N_("The first month of premiums (default January)."),
    "multi_year_years": N_(
        "Plan this many fiscal years at once (empty: one year); every worker enrolled stays funded in "
        "the later years. Year 1 runs from the start month to December."
    ),
    "growth": N_(
        "Yearly growth after year 1, in % (e.g. 3%, or 3,5): one rate, or one per later year "
        "separated by semicolons (default 0)."
    ),
    "multi_year_apbd_pool_idr": N_(
        "Or the APBD pool of each year, in rupiah, one per year separated by semicolons "
        "(e.g. 1.500.000.000; 1.600.000.000); it replaces the pool above and its growth."
    ),
    "multi_year_min_new_enrollments": N_(
        "New enrolments the whole table must have reached by each year, one per year separated by "
        "semicolons (empty: the target above every year)."
    ),
    "multi_year_min_coverage": N_(
        "The coverage floor of each year, in %, one per year separated by semicolons "
        "(e.g. 0; 5; 10; empty: the floor above every year)."
    ),
    "group_weights": N_("How much one new worker of the group counts (default 1)."),
    "group_min_coverage": N_(
        "At least this share of the group insured in every village, in % (empty: no floor)."
    ),
    "dana_desa_share": N_("Share of each village's dana desa that may pay premiums, in % (default 0)."),
    "add_share": N_("Share of each village's ADD that may pay premiums, in % (default 0)."),
    "apbd_pool_idr": N_(
        "The kabupaten's own co-funding (APBD) that may top up any village, in rupiah (default 0)."
    ),
    "apbd_pool_per_kabupaten": N_(
        "A pool of its own for each kabupaten, in rupiah; when any is filled these replace the one pool."
    ),
    "min_coverage": N_("At least this share of every village's informal workers insured, in % (default 0)."),
    "min_new_enrollments": N_("New enrolments the whole table must reach at least (default 0: none)."),
    "objective": N_("Most protection for the money, or the lowest cost that meets the floors and targets."),
    "integer": N_(
        "Plan whole workers (the default): every target is a number of people. Without it the plan "
        "has fractions of workers, e.g. 88,3."
    ),
    "note": N_("What changed in this version, for the history."),
}


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def parse_decimal(text: str) -> float:
    """`2,5`, `2.5`, `1.300,5` -> float; raises ValueError."""
    text = text.strip().replace(" ", "").replace("\u00a0", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    return float(text)


def parse_percent(text: str) -> float:
    """`3%`, `3`, `3,5`, `-0,5` (percent) -> the share 0.03, 0.03, 0.035, -0.005; raises ValueError."""
    return round(parse_decimal(text.strip().removesuffix("%")) / 100, 12)


def parse_percent_list(text: str) -> list[float]:
    """`0; 5; 10` or `0%, 5%, 10%` (percent) -> shares; a comma with a space after it separates,
    a comma inside a number is its decimal comma. Raises ValueError."""
    parts = [part for part in re.split(r";|,\s+", text) if part.strip()]
    if not parts:
        raise ValueError("empty")
    return [parse_percent(part) for part in parts]


def parse_list(text: str, parse: Any) -> list[Any]:
    """`1.500.000.000; 1.600.000.000` -> each part read by `parse` (semicolons separate, since a
    comma may group thousands). Raises ValueError."""
    parts = [part for part in text.split(";") if part.strip()]
    if not parts:
        raise ValueError("empty")
    return [parse(part) for part in parts]


def parse_rupiah(text: str) -> float:
    """`Rp1.500.000.000`, `1500000000`, `1,500,000,000` -> 1500000000.0; raises ValueError."""
    cleaned = re.sub(r"(?i)^rp\.?", "", text.strip()).replace(" ", "").replace("\u00a0", "")
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", cleaned):
        cleaned = re.sub(r"[.,]", "", cleaned)
    elif re.fullmatch(r"\d+[,]\d+", cleaned):
        cleaned = cleaned.replace(",", ".")
    value = float(cleaned)
    if value < 0:
        raise ValueError("negative")
    return value


class _Reader:
    def __init__(self, form: Mapping[str, Any]) -> None:
        self.form = form
        self.issues: list[InputIssue] = []
        self.inputs: dict[str, str] = {}  # a field's path -> the form's input that holds it
        self.refused: list[tuple[InputIssue, str]] = []  # each issue found here, with its input

    def _read(self, name: str, field: str, parse: Any, message: str) -> Any:
        self.inputs[field] = name
        text = _text(self.form, name)
        if not text:
            return None
        try:
            return parse(text)
        except ValueError:
            self.refuse(InputIssue(field=field, message=f"{message}: '{text}'"), name)
            return None

    def refuse(self, issue: InputIssue, name: str) -> None:
        self.issues.append(issue)
        self.refused.append((issue, name))

    def decimal(self, name: str, field: str) -> float | None:
        return self._read(name, field, parse_decimal, "not a number")

    def percent(self, name: str, field: str) -> float | None:
        return self._read(name, field, parse_percent, "not a number")

    def percents(self, name: str, field: str) -> list[float] | None:
        return self._read(name, field, parse_percent_list, "not a number")

    def rupiah(self, name: str, field: str) -> float | None:
        return self._read(name, field, parse_rupiah, "not an amount in rupiah")

    def rupiahs(self, name: str, field: str) -> list[float] | None:
        return self._read(name, field, lambda text: parse_list(text, parse_rupiah), "not an amount in rupiah")

    def count(self, name: str, field: str) -> float | None:
        """Workers as the form shows them, thousands grouped: `1.000` is a thousand."""
        return self._read(name, field, parse_rupiah, "not a number")

    def counts(self, name: str, field: str) -> list[float] | None:
        return self._read(name, field, lambda text: parse_list(text, parse_rupiah), "not a number")

    def whole(self, name: str, field: str) -> int | None:
        return self._read(name, field, int, "not a whole number")


def scenario_from_form(form: Mapping[str, Any], groups: list[str], kabupaten: list[str]) -> dict[str, Any]:
    """The form's fields as the contract's scenario JSON (validated later by the service)."""
    body, read = _read_form(form, groups, kabupaten)
    if read.issues:
        raise InputError(read.issues, title="The scenario was refused")
    return body


# a field the service refuses as a whole, and the input that stands for it
_WHOLE_FIELDS = {
    "packages": "package_code_0",
    "budget": "dana_desa_share",
    "targets": "min_coverage",
    "multi_year": "multi_year_years",
}


# the inputs typed in percent, whose shares the scenario words as 0 to 1
_PERCENT_INPUTS = re.compile(r"^(dana_desa_share|add_share|min_coverage|floor_\w+|multi_year_min_coverage)$")


def field_errors(
    form: Mapping[str, Any], groups: list[str], kabupaten: list[str], issues: list[InputIssue]
) -> tuple[list[InputIssue], dict[str, list[InputIssue]]]:
    """The refused form's issues as the form words them (a share typed in percent is refused in
    percent), and by the input they belong to (the form's field `name`), for the page to show
    each next to its field; an issue of no input is only in the list."""
    _, read = _read_form(form, groups, kabupaten)
    worded: list[InputIssue] = []
    by_input: dict[str, list[InputIssue]] = {}
    for issue in issues:
        name = next((n for found, n in read.refused if found is issue), None)
        if name is None and issue.field:
            field = issue.field
            while name is None and field:
                name = read.inputs.get(field) or _WHOLE_FIELDS.get(field)
                field = field.rpartition(".")[0]
        if name is not None and _PERCENT_INPUTS.match(name) and issue.message == "must be between 0 and 1":
            issue = issue.model_copy(update={"message": "must be between 0% and 100%"})
        worded.append(issue)
        if name is not None and name in form:
            by_input.setdefault(name, []).append(issue)
    return worded, by_input


def _read_form(
    form: Mapping[str, Any], groups: list[str], kabupaten: list[str]
) -> tuple[dict[str, Any], _Reader]:
    read = _Reader(form)
    read.inputs.update({"name": "name", "objective": "objective", "integer": "integer"})
    body: dict[str, Any] = {}
    if name := _text(form, "name"):
        body["name"] = name
    years = read.whole("multi_year_years", "multi_year.years")
    months = read.whole("horizon_months", "horizon_months")
    if months is not None and (years is None or years < 2):
        body["horizon_months"] = months  # in a multi-year plan year 1 runs to December
    if (fiscal_year := read.whole("fiscal_year", "fiscal_year")) is not None:
        body["fiscal_year"] = fiscal_year
    if (start_month := read.whole("start_month", "start_month")) is not None:
        body["start_month"] = start_month
    packages: list[dict[str, Any]] = []
    index = 0
    while f"package_code_{index}" in form:
        code = _text(form, f"package_code_{index}")
        premium = read.rupiah(f"package_premium_{index}", f"packages.{len(packages)}.monthly_premium_idr")
        income = read.rupiah(f"package_income_{index}", f"packages.{len(packages)}.declared_income_idr")
        value = read.decimal(f"package_value_{index}", f"packages.{len(packages)}.value")
        if code:
            read.inputs[f"packages.{len(packages)}.code"] = f"package_code_{index}"
            read.inputs[f"packages.{len(packages)}"] = f"package_code_{index}"
            package: dict[str, Any] = {"code": code}
            typed = _text(form, f"package_premium_{index}") or _text(form, f"package_income_{index}")
            if premium is None and income is None and not typed:  # a bad one is refused above
                read.refuse(
                    InputIssue(
                        field=f"packages.{len(packages)}.monthly_premium_idr",
                        message=f"package '{code}' needs a monthly premium",
                    ),
                    f"package_premium_{index}",
                )
            if premium is not None:
                package["monthly_premium_idr"] = premium
            if income is not None:
                package["declared_income_idr"] = income  # priced by the contribution rules
            if value is not None:
                package["value"] = value
            packages.append(package)
        index += 1
    body["packages"] = packages
    weights = {}
    floors = {}
    for group in groups:
        if (weight := read.decimal(f"weight_{group}", f"group_weights.{group}")) is not None:
            weights[group] = weight
        if (floor := read.percent(f"floor_{group}", f"targets.group_min_coverage.{group}")) is not None:
            floors[group] = floor
    if weights:
        body["group_weights"] = weights
    budget: dict[str, Any] = {}
    if (share := read.percent("dana_desa_share", "budget.dana_desa_share")) is not None:
        budget["dana_desa_share"] = share
    if (share := read.percent("add_share", "budget.add_share")) is not None:
        budget["add_share"] = share
    pools = {}
    for position, name in enumerate(kabupaten):
        pool = read.rupiah(f"pool_{position}", f"budget.apbd_pool_idr.{name}")
        if pool is not None:
            pools[name] = pool
    if pools:
        budget["apbd_pool_idr"] = pools
    elif (pool := read.rupiah("apbd_pool_idr", "budget.apbd_pool_idr")) is not None:
        budget["apbd_pool_idr"] = pool
    body["budget"] = budget
    targets: dict[str, Any] = {}
    if (share := read.percent("min_coverage", "targets.min_coverage")) is not None:
        targets["min_coverage"] = share
    if floors:
        targets["group_min_coverage"] = floors
    if (count := read.count("min_new_enrollments", "targets.min_new_enrollments")) is not None:
        targets["min_new_enrollments"] = count
    body["targets"] = targets
    if objective := _text(form, "objective"):
        body["objective"] = objective
    body["integer"] = _text(form, "integer") in ("1", "on", "true")
    if years is not None:
        multi_year: dict[str, Any] = {"years": years}
        for name in GROWTH_FIELDS:
            rates = read.percents(f"multi_year_{name}", f"multi_year.{name}")
            if rates is not None:
                multi_year[name] = rates[0] if len(rates) == 1 else rates
        year_floors = read.percents("multi_year_min_coverage", "multi_year.min_coverage")
        if year_floors is not None:
            multi_year["min_coverage"] = year_floors
        pools_by_year = read.rupiahs("multi_year_apbd_pool_idr", "multi_year.apbd_pool_idr")
        if pools_by_year is not None:
            multi_year["apbd_pool_idr"] = pools_by_year
        elif kept := _text(form, "multi_year_apbd_pool_kept"):
            # each year's pools per kabupaten, which the form does not show: a revision keeps them
            try:
                multi_year["apbd_pool_idr"] = json.loads(kept)
            except ValueError:
                read.refuse(
                    InputIssue(field="multi_year.apbd_pool_idr", message="not a number"),
                    "multi_year_apbd_pool_idr",
                )
        targets_by_year = read.counts("multi_year_min_new_enrollments", "multi_year.min_new_enrollments")
        if targets_by_year is not None:
            multi_year["min_new_enrollments"] = targets_by_year
        body["multi_year"] = multi_year
    else:
        for name in (f"multi_year_{f}" for f in (*GROWTH_FIELDS, *YEAR_LIST_FIELDS)):
            if _text(form, name):  # a rate without the years would be dropped without a word
                read.refuse(
                    InputIssue(field="multi_year.years", message="give the number of years"),
                    "multi_year_years",
                )
                break
    return body, read


def form_values(scenario: Mapping[str, Any] | None) -> dict[str, Any]:
    """What the form shows: a scenario's own values, or the defaults for a new one."""
    model = Scenario.model_validate(scenario) if scenario else None
    packages = (
        [p.model_dump() for p in model.packages]
        if model
        else [{**p, "declared_income_idr": None} for p in DEFAULT_PACKAGES]
    )
    pool = model.budget.apbd_pool_idr if model else 0.0
    return {
        "name": model.name if model else "",
        "horizon_months": model.horizon_months if model else 12,
        "packages": packages
        + [{"code": "", "monthly_premium_idr": None, "declared_income_idr": None, "value": None}]
        * EXTRA_PACKAGE_ROWS,
        "group_weights": dict(model.group_weights) if model else {},
        "group_min_coverage": dict(model.targets.group_min_coverage) if model else {},
        "dana_desa_share": model.budget.dana_desa_share if model else 0.0,
        "add_share": model.budget.add_share if model else 0.0,
        "apbd_pool_idr": pool if isinstance(pool, float | int) else 0.0,
        "pools": dict(pool) if isinstance(pool, dict) else {},
        "min_coverage": model.targets.min_coverage if model else 0.0,
        "min_new_enrollments": model.targets.min_new_enrollments if model else 0,
        "objective": model.objective.value if model else "max_protection",
        "integer": model.integer if model else True,  # whole workers unless asked otherwise
        "fiscal_year": model.fiscal_year if model else None,
        "start_month": model.start_month if model else 1,
        "multi_year": model.multi_year.model_dump() if model and model.multi_year else None,
    }


def rules_from_form(form: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The compare form's promises as acceptance rules: the boxes ticked, the coverage typed in
    percent, the spend in rupiah. A field that cannot be read is refused with its name."""
    read = _Reader(form)
    rules: list[dict[str, Any]] = []
    if _text(form, "rule_no_village_loses"):
        rules.append({"kind": "no_village_loses_enrollments"})
    if _text(form, "rule_objective_not_lower"):
        rules.append({"kind": "objective_not_lower"})
    coverage = read.percent("rule_min_village_coverage", "rules.min_village_coverage")
    if coverage is not None:
        rules.append({"kind": "min_village_coverage", "value": coverage})
    spend = read.rupiah("rule_max_spend_idr", "rules.max_spend_idr")
    if spend is not None:
        rules.append({"kind": "max_spend_idr", "value": spend})
    if read.issues:
        raise InputError(read.issues, title="The comparison was refused")
    return rules
