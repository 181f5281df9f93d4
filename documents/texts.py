"""The documents' own catalogue: the letters' and the brief's words in Bahasa Indonesia and English
(`documents/texts/<lang>.yaml`), filled with the plan's data by name."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from documents.words import Lang

_TEXTS = Path(__file__).with_name("texts")


@cache
def texts(lang: Lang) -> dict[str, Any]:
    """The catalogue of one language, read once."""
    data: dict[str, Any] = yaml.safe_load((_TEXTS / f"{lang}.yaml").read_text(encoding="utf-8"))
    return data


class _Kept(dict[str, Any]):
    """A field the values do not have is kept as written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, values: dict[str, Any]) -> str:
    """A text with its {fields} filled: the catalogue's, or a district's own (its copies may name
    `{kecamatan}`); an unknown field or a stray brace is kept as written."""
    try:
        return template.format_map(_Kept(values))
    except (ValueError, IndexError, AttributeError):
        return template


def group_name(code: str, lang: Lang) -> str:
    names: dict[str, str] = texts(lang)["groups"]
    return names.get(code, code.replace("_", " "))
