"""What each village's letter says, as plain data for the letter's template: the village, its
target, the premiums, the money in figures and words, the legal basis and the plan's fingerprint.

Built once per plan in one pass over its villages (and their years and paying sources), in the
order the letters are printed: kabupaten, kecamatan, then village code.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from documents import words
from documents.fingerprint import plan_fingerprint
from documents.letterhead import Letterhead
from documents.texts import fill, group_name, texts
from documents.words import Lang
from models import InputError, InputIssue, Plan, VillagePlan

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
_SOURCES = ("dana_desa", "add", "apbd_pool")
_NO_NUMBER = "........................"


@dataclass(frozen=True)
class PlanRef:
    """Which plan the letters come from: its number (the service's `plan/12`, a file's name) and
    its date."""

    ref: str
    date: dt.date | None = None


@dataclass(frozen=True)
class LetterBook:
    """Every village's letter as data: `common` for what all letters share, `letters` in print
    order, `paths` the file name of each (`01-Cibarusah/3216012001-Sindang Mulya.pdf`)."""

    common: dict[str, Any]
    letters: list[dict[str, Any]]
    paths: list[str]
    fingerprint: str
    date: dt.date  # the letter's date


def safe_name(name: str) -> str:
    """A file name every system accepts: no slashes, colons or control characters."""
    return _UNSAFE.sub("-", name).strip(" .-") or "-"


def is_kelurahan(code: str) -> bool:
    """A Kemendagri code's fourth part starts with 1 for a kelurahan, 2 for a desa."""
    digits = code.replace(".", "")
    return len(digits) == 10 and digits[6] == "1"


def _count(value: float, integer: bool, lang: Lang) -> str:
    return words.count(round(value) if integer else value, lang)


def source_names(lang: Lang, kinds: set[str]) -> dict[str, str]:
    """The sources' names in letters to villages of these kinds of district: the pool is the APBD
    of a kabupaten ("APBD Kabupaten"), of a kota ("APBD Kota"), or of both in one plan."""
    say = texts(lang)
    names: dict[str, str] = dict(say["sources"])
    if kinds == {"kota"}:
        names["apbd_pool"] = say["apbd_pool_kota"]
    elif len(kinds) > 1:
        names["apbd_pool"] = say["apbd_pool_mixed"]
    return names


def _premium_rows(plan: Plan, lang: Lang, names: dict[str, str]) -> list[dict[str, str]]:
    """Each package's monthly premium by sector, paying sources and run of months: sources that pay
    the same premium every month share a row (`Dana Desa, ADD`)."""
    say = texts(lang)
    runs: dict[tuple[str, str, str], list[tuple[str, str, float, float]]] = defaultdict(list)
    for p in plan.premiums:
        source = p.source.value if p.source is not None else ""
        runs[(p.package, p.sector or "", source)].append(
            (p.month or "", p.month or "", p.premium_idr, p.payable_share)
        )
    merged: dict[tuple[str, str, str], list[tuple[str, str, float, float]]] = {}
    for key, months in runs.items():
        months.sort()
        spans: list[tuple[str, str, float, float]] = []
        for first, last, premium, share in months:
            if spans and spans[-1][2] == premium and spans[-1][3] == share:
                spans[-1] = (spans[-1][0], last, premium, share)
            else:
                spans.append((first, last, premium, share))
        merged[key] = spans
    by_spans: dict[tuple[str, str, tuple[tuple[str, str, float, float], ...]], list[str]] = defaultdict(list)
    for (package, sector, source), spans in merged.items():
        by_spans[(package, sector, tuple(spans))].append(source)
    rows = []
    for (package, sector, span_runs), sources in sorted(by_spans.items(), key=lambda item: item[0][:2]):
        ordered = [s for s in _SOURCES if s in sources]
        source_text = ", ".join(names[s] for s in ordered) if ordered else "–"
        for first, last, premium, share in span_runs:
            note = fill(say["payable_share_note"], {"share": f"{round(share * 100)}%"}) if share < 1.0 else ""
            rows.append(
                {
                    "package": package,
                    "sector": say["sectors"].get(sector, sector) if sector else "–",
                    "sources": source_text,
                    "months": words.month_run(first, last, lang) if first else say["premium_typed"],
                    "premium": words.rupiah(premium, lang),
                    "note": note,
                }
            )
    return rows


def _legal_basis(plan: Plan, letterhead: Letterhead, lang: Lang) -> list[str]:
    """The district's own basis, then every regulation the plan's premiums cite (once each)."""
    say = texts(lang)
    basis = list(letterhead.legal_basis or say["basis_default"])
    if plan.rules is not None:
        for citation in plan.rules.citations.values():
            text = citation.split(": ", 1)[1] if ": " in citation else citation
            if text not in basis:
                basis.append(text)
    else:
        basis.append(say["no_citations"])
    return basis


def _years(plan: Plan) -> dict[str, list[Any]]:
    by_village: dict[str, list[Any]] = defaultdict(list)
    for year in plan.village_years:
        by_village[year.village_code].append(year)
    return by_village


def _money(label: str, amount: float, lang: Lang) -> dict[str, str]:
    return {
        "label": label,
        "figures": words.rupiah(amount, lang),
        "words": words.rupiah_in_words(amount, lang),
    }


def _village_letter(
    v: VillagePlan,
    plan: Plan,
    kabupaten: str,
    common: dict[str, Any],
    years: list[Any],
    by_source: list[Any],
    lang: Lang,
) -> dict[str, Any]:
    say = texts(lang)
    integer = plan.integer
    kelurahan = is_kelurahan(v.village_code)
    kind, bare = regency(kabupaten)
    names = source_names(lang, {kind})
    rows = [
        {"group": group_name(group, lang), "package": package, "new": _count(value, integer, lang)}
        for group, packages in v.enrollments.items()
        for package, value in packages.items()
        if value > 1e-9
    ]
    money = [
        _money(names["dana_desa"], v.spend_dana_desa_idr, lang),
        _money(names["add"], v.spend_add_idr, lang),
        _money(names["apbd_pool"], v.spend_apbd_idr, lang),
    ]
    year_rows = []
    for year in sorted(years, key=lambda y: y.year):
        label = str(year.fiscal_year) if year.fiscal_year is not None else str(year.year)
        year_rows.append(
            {
                "year": label,
                "new": _count(year.new_enrollments, integer, lang),
                "funded": _count(year.funded, integer, lang),
                "money": [
                    _money(
                        f"{names[s]} {label}",
                        getattr(year, f"spend_{s.replace('_pool', '')}_idr"),
                        lang,
                    )
                    for s in _SOURCES
                ],
            }
        )
    place = {"kabupaten": bare, "regency": f"{'Kota' if kind == 'kota' else 'Kabupaten'} {bare}"}
    values = {
        "name": v.village_name,
        **place,
        "kecamatan": v.kecamatan,
        "target": _count(v.new_enrollments, integer, lang),
        "months": common["months"],
        "fiscal_year": common["fiscal_year"],
        "budget_line": common["budget_line"],
        "dana_desa": words.rupiah_both(v.spend_dana_desa_idr, lang),
        "add": words.rupiah_both(v.spend_add_idr, lang),
        "apbd": words.rupiah_both(v.spend_apbd_idr, lang),
        "plan_ref": common["plan_ref"],
        "plan_date": common["plan_date"],
        "fingerprint": common["fingerprint"],
    }
    coverage = ""
    if v.coverage_before is not None and v.coverage_after is not None:
        coverage = fill(
            say["coverage_value"],
            {
                "before": words.number(v.coverage_before * 100, lang, 1) + "%",
                "after": words.number(v.coverage_after * 100, lang, 1) + "%",
            },
        )
    return {
        "code": v.village_code,
        "name": v.village_name,
        "kecamatan": v.kecamatan,
        "kabupaten": kabupaten,
        "addressee": fill(say["head_kelurahan" if kelurahan else "head_desa"], {"name": v.village_name}),
        "addressee_place": fill(say["place_of_addressee"], {"kecamatan": v.kecamatan}),
        "government": common["government_for"](kabupaten),
        "issuer": common["issuer_for"](kabupaten),
        "signatory_title": common["signatory_for"](kabupaten),
        "copies": [fill(c, {**place, "kecamatan": v.kecamatan}) for c in common["copies"]],
        "points": [fill(point, values) for point in say["body_points"]],
        "opening": fill(say["body_opening"], values),
        "target": values["target"],
        "rows": rows,
        "by_source": [
            {
                "source": names.get(s.source, s.source),
                "sector": say["sectors"].get(s.sector, s.sector),
                "package": s.package,
                "new": _count(s.workers, integer, lang),
            }
            for s in by_source
            if s.workers > 1e-9
        ],
        "years": year_rows,
        "money": money,
        "coverage": coverage,
    }


_REGENCY_PREFIX = re.compile(r"^\s*(kabupaten|kab\.?|kota)\s+", re.IGNORECASE)


def regency(name: str) -> tuple[str, str]:
    """A kabupaten's or kota's name as the table may write it ("Kabupaten Bekasi", "Kab. Bekasi",
    "Bekasi", "Kota Bekasi"): its kind ("kabupaten" or "kota") and its bare name ("Bekasi"), so
    that a letter says "PEMERINTAH KABUPATEN BEKASI" and "BUPATI BEKASI", or "WALI KOTA BEKASI"."""
    found = _REGENCY_PREFIX.match(name)
    if found is None:
        return "kabupaten", name.strip()
    kind = "kota" if found.group(1).lower() == "kota" else "kabupaten"
    return kind, name[found.end() :].strip()


def letter_book(
    plan: Plan, letterhead: Letterhead, ref: PlanRef, lang: Lang = "id", today: dt.date | None = None
) -> LetterBook:
    """Every village's letter as data, in print order, with its file name."""
    if not plan.has_targets:
        raise InputError(
            [InputIssue(message=f"the plan is {plan.status.value}: it has no targets to send to villages")],
            title="No letters for this plan",
        )
    say = texts(lang)
    letter_date = letterhead.date or today or dt.date.today()
    fingerprint = plan_fingerprint(plan)
    fiscal_year = str(plan.fiscal_year or letter_date.year)
    months = words.month_run(plan.months[0], plan.months[-1], lang) if plan.months else say["premium_typed"]

    def _for(field: str, default_key: str) -> Any:
        given = getattr(letterhead, field)

        def pick(kabupaten: str) -> str:
            kind, bare = regency(kabupaten)
            key = f"{default_key}_kota" if kind == "kota" else default_key
            return given or fill(say[key], {"kabupaten_upper": bare.upper()})

        return pick

    issuer_for = _for("issuer", "issuer")
    common: dict[str, Any] = {
        "fiscal_year": fiscal_year,
        "months": months,
        "month_count": str(len(plan.months)) if plan.months else "",
        "budget_line": letterhead.budget_line or say["budget_line"],
        "plan_ref": ref.ref,
        "plan_date": words.date(ref.date, lang) if ref.date else "–",
        "fingerprint": fingerprint,
        "government_for": _for("government", "government"),
        "issuer_for": issuer_for,
        "signatory_for": lambda kabupaten: letterhead.signatory_title or issuer_for(kabupaten),
        "copies": letterhead.copies or say["copies_default"],
    }
    years = _years(plan)
    by_source: dict[str, list[Any]] = defaultdict(list)
    for row in plan.source_enrollments:
        by_source[row.village_code].append(row)

    ordered = sorted(
        plan.villages, key=lambda v: (v.kabupaten or letterhead.kabupaten, v.kecamatan, v.village_code)
    )
    several_kabupaten = len({v.kabupaten for v in ordered}) > 1
    kinds = {regency(v.kabupaten or letterhead.kabupaten)[0] for v in ordered}
    letters, paths = [], []
    kab_index: dict[str, int] = {}
    kec_index: dict[tuple[str, str], int] = {}
    kecamatan_count: dict[str, int] = defaultdict(int)
    for v in ordered:
        kabupaten = v.kabupaten or letterhead.kabupaten
        letters.append(
            _village_letter(
                v,
                plan,
                kabupaten,
                common,
                years.get(v.village_code, []),
                by_source.get(v.village_code, []),
                lang,
            )
        )
        if kabupaten not in kab_index:
            kab_index[kabupaten] = len(kab_index) + 1
        if (kabupaten, v.kecamatan) not in kec_index:
            kecamatan_count[kabupaten] += 1
            kec_index[(kabupaten, v.kecamatan)] = kecamatan_count[kabupaten]
    kab_width = len(str(len(kab_index)))
    kec_width = max(2, len(str(max(kec_index.values(), default=1))))
    for letter in letters:
        kab, kec = letter["kabupaten"], letter["kecamatan"]
        folder = f"{kec_index[(kab, kec)]:0{kec_width}d}-{safe_name(kec)}"
        if several_kabupaten:
            folder = f"{kab_index[kab]:0{kab_width}d}-{safe_name(kab)}/{folder}"
        paths.append(f"{folder}/{letter['code'].replace('.', '')}-{safe_name(letter['name'])}.pdf")

    shared = {key: value for key, value in common.items() if not callable(value) and key != "copies"}
    shared.update(
        {
            "lang": lang,
            "texts": {key: value for key, value in say.items() if isinstance(value, str)},
            "number": letterhead.number or _NO_NUMBER,
            "date": words.date(letter_date, lang),
            "place": letterhead.place,
            "office": letterhead.office,
            "address": letterhead.address,
            "nature": letterhead.nature or say["nature"],
            "subject": letterhead.subject or fill(say["subject"], {"fiscal_year": fiscal_year}),
            "signatory_name": letterhead.signatory_name,
            "signatory_nip": letterhead.signatory_nip,
            "premiums": _premium_rows(plan, lang, source_names(lang, kinds)),
            "basis": _legal_basis(plan, letterhead, lang),
            "months_value": fill(say["months_value"], {"months": months, "count": len(plan.months)})
            if plan.months
            else months,
        }
    )
    return LetterBook(common=shared, letters=letters, paths=paths, fingerprint=fingerprint, date=letter_date)
