"""`desaplan letters` as a district runs it on the Bekasi example: 187 letters and one merged PDF,
each letter's text read back with pypdf and checked against the plan it came from."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from documents import plan_fingerprint, words
from models import Plan
from scenarios.examples import (
    BEKASI_MULTIYEAR_2026_2028 as MULTI_YEAR,
)
from scenarios.examples import (
    BEKASI_RULES_2026 as RULES_2026,
)
from scenarios.examples import BEKASI_VILLAGES, bekasi_scenarios

DESAPLAN = str(Path(sys.executable).parent / "desaplan")


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DESAPLAN, *map(str, args)], capture_output=True, text=True, timeout=600)


def solved(tmp: Path, scenario: Path) -> Plan:
    result = run("solve", "--villages", BEKASI_VILLAGES, "--scenario", scenario, "--out", tmp)
    assert result.returncode == 0, result.stderr
    return Plan.model_validate_json((tmp / "plan.json").read_bytes())


def text_of(path: Path) -> str:
    """The PDF's text with every run of white space one space (lines wrap anywhere)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


@pytest.fixture(scope="module")
def rules_letters(tmp_path_factory: pytest.TempPathFactory) -> tuple[Plan, Path]:
    tmp = tmp_path_factory.mktemp("rules")
    plan = solved(tmp / "plan", RULES_2026)
    result = run(
        "letters",
        "--plan",
        tmp / "plan" / "plan.json",
        "--out",
        tmp / "letters",
        "--kabupaten",
        "Bekasi",
        "--place",
        "Cikarang Pusat",
        "--number",
        "400.10/123/DPMD",
        "--signatory-name",
        "Nama Penandatangan",
        "--signatory-nip",
        "197001011990031001",
        "--date",
        "2026-12-08",
        "--zip",
    )
    assert result.returncode == 0, result.stderr
    assert plan_fingerprint(plan) in result.stdout
    return plan, tmp / "letters"


def test_a_letter_for_every_village_and_one_merged_pdf(rules_letters: tuple[Plan, Path]) -> None:
    plan, out = rules_letters
    letters = sorted(p for p in out.rglob("*.pdf") if p.name != "letters.pdf")
    assert len(letters) == len(plan.villages) == 187
    # folders sort by kecamatan, files by village code
    folders = sorted({p.parent.name for p in letters})
    assert [f.split("-", 1)[1] for f in folders] == sorted({v.kecamatan for v in plan.villages})
    assert all(re.fullmatch(r"\d{10}-.+\.pdf", p.name) for p in letters)
    merged = PdfReader(out / "letters.pdf")
    assert len(merged.pages) == sum(len(PdfReader(p).pages) for p in letters)
    with zipfile.ZipFile(out / "letters.zip") as archive:
        assert sorted(archive.namelist()) == sorted(str(p.relative_to(out)) for p in letters)


def test_each_letter_names_its_village_target_money_and_plan(rules_letters: tuple[Plan, Path]) -> None:
    plan, out = rules_letters
    fingerprint = plan_fingerprint(plan)
    by_code = {p.name.split("-", 1)[0]: p for p in out.rglob("*.pdf") if p.name != "letters.pdf"}
    for village in plan.villages:
        text = text_of(by_code[village.village_code.replace(".", "")])
        assert village.village_name in text and village.village_code in text, village.village_code
        assert f"Kecamatan {village.kecamatan}" in text
        assert f"mendaftarkan {words.count(village.new_enrollments)} pekerja" in text
        assert words.rupiah_both(village.spend_dana_desa_idr) in text, village.village_code
        assert words.rupiah_both(village.spend_apbd_idr) in text
        assert fingerprint in text
        assert "LAMPIRAN SURAT EDARAN BUPATI BEKASI" in text and "NOMOR : 400.10/123/DPMD" in text
        assert "Cikarang Pusat, 8 Desember 2026" in text and "NIP. 197001011990031001" in text


def test_a_rules_priced_plan_shows_the_reduced_2026_premiums(rules_letters: tuple[Plan, Path]) -> None:
    plan, out = rules_letters
    text = text_of(next(out.rglob("3216012001-*.pdf")))
    assert "April–Desember 2026 (9 bulan)" in text
    reduced = {p.premium_idr for p in plan.premiums if p.payable_share < 1}
    assert reduced and all(words.rupiah(amount) in text for amount in reduced)
    assert "JKK dan JKM dibayar 50% (keringanan PP 50/2025)" in text
    assert "Peraturan Pemerintah Nomor 50 Tahun 2025" in text  # the rules' citation


def test_a_multi_year_plan_shows_every_year(tmp_path: Path) -> None:
    plan = solved(tmp_path / "plan", MULTI_YEAR)
    result = run(
        "letters",
        "--plan",
        tmp_path / "plan" / "plan.json",
        "--out",
        tmp_path / "letters",
        "--kabupaten",
        "Bekasi",
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    village = max(plan.villages, key=lambda v: v.spend_dana_desa_idr)
    text = text_of(next((tmp_path / "letters").rglob(f"{village.village_code.replace('.', '')}-*.pdf")))
    years = [y for y in plan.village_years if y.village_code == village.village_code]
    assert sorted(y.fiscal_year for y in years) == [2026, 2027, 2028]
    for year in years:
        assert f"Dana Desa {year.fiscal_year} {words.rupiah(year.spend_dana_desa_idr)}" in text
        assert words.rupiah_in_words(year.spend_dana_desa_idr) in text
        assert f"{year.fiscal_year} {words.count(year.new_enrollments)} {words.count(year.funded)}" in text


def test_letters_in_english_on_request(tmp_path: Path) -> None:
    solved(tmp_path / "plan", bekasi_scenarios()["dd3_officials"])
    result = run(
        "letters",
        "--plan",
        tmp_path / "plan" / "plan.json",
        "--out",
        tmp_path / "letters",
        "--kabupaten",
        "Bekasi",
        "--lang",
        "en",
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    text = text_of(tmp_path / "letters" / "letters.pdf")
    assert "ATTACHMENT TO THE CIRCULAR LETTER OF THE REGENT OF BEKASI" in text
    assert "every month of the plan" in text  # a typed premium holds for every month


def test_an_infeasible_plan_has_no_letters(tmp_path: Path) -> None:
    result = run(
        "solve",
        "--villages",
        BEKASI_VILLAGES,
        "--scenario",
        bekasi_scenarios()["contract_example"],
        "--out",
        tmp_path / "plan",
    )
    assert result.returncode == 3
    result = run("letters", "--plan", tmp_path / "plan" / "plan.json", "--out", tmp_path / "letters")
    assert result.returncode == 3 and "no letters" in result.stderr
    assert not (tmp_path / "letters").exists()


def test_a_bad_letterhead_is_refused_naming_the_field(tmp_path: Path) -> None:
    (tmp_path / "head.yaml").write_text("kabupaten: Bekasi\nsignatory: somebody\ndate: tomorrow\n")
    result = run(
        "letters",
        "--villages",
        BEKASI_VILLAGES,
        "--scenario",
        bekasi_scenarios()["dd3_officials"],
        "--out",
        tmp_path / "letters",
        "--letterhead",
        tmp_path / "head.yaml",
    )
    assert result.returncode == 2
    assert "field 'signatory'" in result.stderr and "field 'date'" in result.stderr
    assert "Traceback" not in result.stderr
