"""The summary `desaplan solve` prints, in Bahasa Indonesia or English, without solver words
unless asked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from scenarios.examples import BEKASI_VILLAGES, bekasi_scenarios

DESAPLAN = str(Path(sys.executable).parent / "desaplan")


def run(out: Path, scenario: str, *extra: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [
            DESAPLAN,
            "solve",
            "--villages",
            str(BEKASI_VILLAGES),
            "--scenario",
            str(bekasi_scenarios()[scenario]),
            "--out",
            str(out),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )
    assert result.returncode in (0, 3), result.stderr
    return result.stdout


def test_summary_in_bahasa_indonesia_with_indonesian_numbers(tmp_path: Path) -> None:
    text = run(tmp_path, "dd3_officials", "--lang", "id")

    assert "Status: optimal" in text and "Peserta baru: 43.134 di 187 dari 187 desa" in text
    assert "perangkat desa" in text and "Cakupan: 6,5% -> 11,5%" in text
    assert "Rp8.695.814.400" in text
    assert "HiGHS" not in text and "block" not in text  # no solver words by default
    assert "Ringkasnya: 3% dana desa dan Rp150 juta dari APBD mendaftarkan 43.134 pekerja" in text


def test_the_targets_workbook_in_the_planners_language_or_in_the_contracts_codes(tmp_path: Path) -> None:
    import openpyxl
    import pandas as pd

    run(tmp_path / "id", "dd3_officials", "--lang", "id")
    run(tmp_path / "codes", "dd3_officials", env={"DESAPLAN_LANG": ""})

    book = openpyxl.load_workbook(tmp_path / "id" / "targets.xlsx")
    assert book.sheetnames == ["Target", "Untuk kantor desa", "Kecamatan", "Iuran bulanan", "Parameter"]
    header = [c.value for c in book["Target"][1]]
    assert header[:4] == ["Kode desa", "Nama desa", "Kecamatan", "Peserta baru"]
    assert book["Target"].freeze_panes == "A2" and book["Target"].auto_filter.ref
    parameters = {row[0]: row[1] for row in book["Parameter"].iter_rows(values_only=True) if row[0]}
    assert parameters["Tabel desa"] == "bekasi_villages.csv"
    # the contract's codes without a chosen language, the same figures
    codes = pd.read_excel(tmp_path / "codes" / "targets.xlsx", sheet_name=None)
    assert list(codes["targets"].columns[:4]) == [
        "village_code",
        "village_name",
        "kecamatan",
        "new_enrollments",
    ]
    planner = pd.read_excel(tmp_path / "id" / "targets.xlsx", sheet_name="Target")
    assert planner["Peserta baru"].iloc[:187].sum() == codes["targets"]["new_enrollments"].sum()


def test_language_from_the_environment_and_verbose_figures(tmp_path: Path) -> None:
    text = run(tmp_path, "contract_example", "--verbose", env={"DESAPLAN_LANG": "id"})

    assert "tidak layak" in text and "Kurang Rp13.271.847.990" in text
    assert "HiGHS" in text  # the timings, asked for
    english = run(tmp_path / "en", "contract_example", "--lang", "en")
    assert "cannot pay for their coverage floors" in english and "Short by Rp13.271.847.990" in english
