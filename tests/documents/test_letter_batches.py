"""A book of several batches compiled in batch processes gives the same letters, in print order,
as one compiled here."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader

from documents import Letterhead, PlanRef, letter_book
from documents.letters import render_chunks
from models import Plan


def _plan() -> Plan:
    villages = [
        {
            "village_code": f"32.16.{k:02d}.20{v:02d}",
            "village_name": f"Desa {k}-{v}",
            "kecamatan": f"Kecamatan {k}",
            "kabupaten": "",
            "new_enrollments": 10.0 * v,
            "enrollments": {"farmers": {"JKK-JKM": 10.0 * v}},
            "spend_dana_desa_idr": 1000.0 * v,
            "spend_add_idr": 0.0,
            "spend_apbd_idr": 0.0,
            "spend_total_idr": 1000.0 * v,
            "workers_enrolled_before": 5,
            "workers_total": 100,
            "coverage_before": 0.05,
            "coverage_after": 0.05 + 0.1 * v,
        }
        for k in (1, 2, 3)
        for v in range(1, 8)
    ]
    return Plan.model_validate(
        {
            "status": "optimal",
            "objective": 1.0,
            "objective_name": "max_protection",
            "scenario_name": "batches",
            "integer": True,
            "villages": villages,
            "premiums": [{"package": "JKK-JKM", "premium_idr": 16800}],
        }
    )


def test_batches_in_their_own_processes_keep_the_print_order() -> None:
    book = letter_book(_plan(), Letterhead(kabupaten="Bekasi"), PlanRef("t", dt.date(2026, 12, 1)), "id")
    here = [name for rendered in render_chunks(book, chunk=len(book.letters)) for name, _ in rendered.letters]
    seen: list[tuple[int, int]] = []
    batched = list(
        render_chunks(book, chunk=4, workers=2, progress=lambda done, total: seen.append((done, total)))
    )
    names = [name for rendered in batched for name, _ in rendered.letters]
    assert names == here == book.paths and len(names) == 21
    assert seen[-1] == (21, 21) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    for rendered in batched:
        for name, pdf in rendered.letters:
            text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
            village = name.split("-", 2)[-1].removesuffix(".pdf")
            assert f"Yth. Kepala Desa {village}" in text
