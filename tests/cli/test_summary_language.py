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


def test_language_from_the_environment_and_verbose_figures(tmp_path: Path) -> None:
    text = run(tmp_path, "contract_example", "--verbose", env={"DESAPLAN_LANG": "id"})

    assert "tidak layak" in text and "Kurang Rp13.271.847.990" in text
    assert "HiGHS" in text  # the timings, asked for
    english = run(tmp_path / "en", "contract_example", "--lang", "en")
    assert "cannot pay for their coverage floors" in english and "Short by Rp13.271.847.990" in english
