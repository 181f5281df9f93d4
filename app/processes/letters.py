"""A plan's letters written in the job's own process: the book compiled in batch processes, in
print order (kabupaten first), each kabupaten's letters zipped and sent as soon as its last letter
is written."""

from __future__ import annotations

import json
from multiprocessing.connection import Connection
from typing import Any

from documents.naming import kabupaten_variant, letters_key, letters_name

# a national plan's 83,762 letters in one process take tens of minutes: the job's hard limit
LETTERS_HARD_LIMIT_S = 4 * 3600.0


def letters_in_process(plan_json: str, request_json: str, conn: Connection, limits: Any = None) -> None:
    """In the job's process: the book compiled in batch processes, in print order (kabupaten first),
    each kabupaten's letters zipped and sent as soon as its last letter is written."""
    import datetime as dt
    import io
    import zipfile

    from app.processes.child import ChildLimits, _answering
    from documents import Letterhead, PlanRef, letter_book
    from documents.letters import render_chunks
    from models import Plan

    with _answering(conn, limits or ChildLimits()):
        request = json.loads(request_json)
        plan = Plan.model_validate_json(plan_json)
        head = Letterhead.model_validate(request["letterhead"])
        book = letter_book(
            plan, head, PlanRef(request["ref"], dt.date.fromisoformat(request["date"])), request["lang"]
        )
        del plan
        key = letters_key(head)
        kabupaten_of = {
            path: letter["kabupaten"] for path, letter in zip(book.paths, book.letters, strict=True)
        }
        total, done, index = len(book.letters), 0, 0
        current: str | None = None
        buffer = io.BytesIO()
        archive: zipfile.ZipFile | None = None

        def send() -> None:
            assert archive is not None and current is not None
            archive.close()
            name = letters_name(request["plan_id"], "zip", request["lang"], current)
            conn.send(
                ("letters_file", (kabupaten_variant(request["lang"], key, index), name, buffer.getvalue()))
            )

        for rendered in render_chunks(book):
            for path, pdf in rendered.letters:
                if kabupaten_of[path] != current:
                    if archive is not None:
                        send()
                    current, index = kabupaten_of[path], index + 1
                    buffer = io.BytesIO()
                    archive = zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED)
                assert archive is not None
                archive.writestr(path, pdf)
            done += len(rendered.letters)
            conn.send(
                (
                    "progress",
                    json.dumps({"progress": done / total, "phase": f"letters: {done:,} of {total:,}"}),
                )
            )
        if archive is not None:
            send()
        conn.send(
            ("letters", json.dumps({"letters": total, "kabupaten": index, "fingerprint": book.fingerprint}))
        )
