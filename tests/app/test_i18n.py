"""One catalogue and Indonesian formats: every message shown has its Bahasa Indonesia, numbers,
rupiah, percentages and dates follow id_ID, times are WIB."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.extract import extract_from_dir

from app.i18n import LOCALE_DIR, formats, gettext_for, lang_from_env, normalise_lang, speaker, translations

ROOT = Path(__file__).resolve().parents[2]
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "tr": None}


def _messages() -> set[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    for folder in ("app", "scenarios"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder,
            METHODS,
            keywords=KEYWORDS,
            options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
        ):
            found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


def test_every_message_shown_has_its_indonesian() -> None:
    catalogue = translations("id")
    messages = _messages()
    assert len(messages) > 150  # the pages, the files and the summary

    missing = []
    for message in messages:
        singular = message if isinstance(message, str) else message[0]
        translated = (
            catalogue.gettext(singular) if isinstance(message, str) else catalogue.ngettext(*message, 2)
        )
        if translated == singular and singular not in {
            "Status",
            "Kecamatan",
            "Kabupaten",
            "API",
            "ADD",
            "optimal",
            "Dana desa",
            "Per kecamatan",
        }:
            missing.append(singular)
        # the same placeholders on both sides
        assert sorted(re.findall(r"%\(\w+\)[sd]", translated)) == sorted(
            re.findall(r"%\(\w+\)[sd]", singular)
        ) or (not isinstance(message, str)), message
    assert not missing, missing


def test_the_catalogue_is_a_po_file_in_the_package() -> None:
    assert (LOCALE_DIR / "id" / "LC_MESSAGES" / "messages.po").is_file()
    assert gettext_for("id")("Upload a village table") == "Unggah tabel desa"
    assert gettext_for("en")("Upload a village table") == "Upload a village table"


def test_indonesian_formats() -> None:
    fmt = formats("id")

    assert fmt.rupiah(8_695_814_400) == "Rp8.695.814.400"
    assert fmt.rupiah(-1500.4) == "-Rp1.500"
    assert fmt.percent(0.065) == "6,5%"
    assert fmt.percent(0.12) == "12,0%"
    assert fmt.number(1_234_567.25, 2) == "1.234.567,25"
    assert fmt.count(33_231.2) == "33.231,2" and fmt.count(43_134.0) == "43.134"
    assert fmt.datetime(datetime(2026, 12, 1, 19, 5, tzinfo=UTC)) == "2 Des 2026 02.05 WIB"
    assert fmt.datetime(datetime(2026, 12, 1, 19, 5)) == "2 Des 2026 02.05 WIB"  # naive = UTC


def test_english_words_indonesian_numbers() -> None:
    fmt = formats("en")

    assert fmt.rupiah(8_695_814_400) == "Rp8.695.814.400"
    assert fmt.percent(0.065) == "6,5%"
    assert fmt.datetime(datetime(2026, 12, 1, 19, 5, tzinfo=UTC)) == "2 Dec 2026 02.05 WIB"


def test_languages_and_group_names(monkeypatch: object) -> None:
    assert normalise_lang("id-ID") == "id" and normalise_lang("in") == "id"
    assert normalise_lang("en_GB") == "en" and normalise_lang("fr") is None
    assert speaker("id").group("fishers") == "nelayan" and speaker("en").group("fishers") == "fishers"
    assert speaker("id").group("ojek_drivers") == "ojek drivers"


def test_lang_from_env(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DESAPLAN_LANG", "en")
    assert lang_from_env() == "en"
    monkeypatch.setenv("DESAPLAN_LANG", "xx")
    assert lang_from_env() == "id"
