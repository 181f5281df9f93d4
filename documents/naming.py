"""How a plan's letters files are named and keyed: the letterhead's short key, the variant a
stored file is kept under, and the file names planners download."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Literal

from documents.letter_data import safe_name

if TYPE_CHECKING:
    from documents.letterhead import Letterhead

LetterFormat = Literal["zip", "pdf"]


def letters_key(head: Letterhead) -> str:
    """A short key of the letterhead: letters written with another are other files."""
    return hashlib.sha256(head.model_dump_json().encode()).hexdigest()[:10]


def letters_variant(file_format: str, lang: str, head: Letterhead) -> str:
    return f"letters-{file_format}-{lang}-{letters_key(head)}"


def kabupaten_variant(lang: str, head_key: str, index: int) -> str:
    """The stored file of the `index`-th kabupaten's letters (in print order)."""
    return f"letters-zip-{lang}-{head_key}-k{index}"


def letters_name(plan_id: int, file_format: str, lang: str, kabupaten: str | None = None) -> str:
    """`surat_edaran_plan12_id.zip`; one kabupaten's: `surat_edaran_plan12_Bekasi_id.zip`."""
    part = f"_{safe_name(kabupaten).replace(' ', '-')}" if kabupaten else ""
    return f"surat_edaran_plan{plan_id}{part}_{lang}.{file_format}"
