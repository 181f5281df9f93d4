"""Typst, in-process: a template file from `documents/templates` compiled with its data as JSON,
into PDF bytes.

Only the fonts Typst carries inside it (Libertinus Serif, New Computer Modern, DejaVu Sans Mono,
all under open licences) are used: never the machine's, so a letter looks the same everywhere and
needs no network.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typst

TEMPLATES = Path(__file__).with_name("templates")


def compile_pdf(template: str, inputs: dict[str, Any], stamp: dt.date | None = None) -> bytes:
    """The template (`letter.typ`, `brief.typ`) compiled with each input as JSON in
    `sys.inputs`; `stamp` dates the PDF (the same data gives the same bytes)."""
    moment = dt.datetime.combine(stamp or dt.date(2000, 1, 1), dt.time(), tzinfo=dt.UTC)
    sys_inputs = {
        name: value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        for name, value in inputs.items()
    }
    pdf: bytes = typst.compile(
        str(TEMPLATES / template),
        root=str(TEMPLATES),
        ignore_system_fonts=True,
        sys_inputs=sys_inputs,
        timestamp=moment,
        pdf_tags=False,
    )
    return pdf
