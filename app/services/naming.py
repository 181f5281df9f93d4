"""Slugs for names that end up in URLs and file names."""

from __future__ import annotations

import re
import unicodedata


def slugify(text: str, fallback: str = "item", max_length: int = 60) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or fallback
