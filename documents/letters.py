"""Every village's letter as PDF: compiled a few hundred villages at a time (one Typst document
each, its letters found again by their bookmarks), then cut into one PDF per village (qpdf, through
pikepdf) and joined into one PDF for printing. A book of more than one batch is compiled in batch
processes of their own (`documents.batch`: Typst's binding never frees its cache), `workers` at once.

    book = letter_book(plan, letterhead, PlanRef("plan/12", date), "id")
    write_letters(book, Path("out"))  # out/01-Cibarusah/3216012001-Sindang Mulya.pdf ..., out/letters.pdf
    letters_zip(book, buffer)  # the same villages' files, zipped
"""

from __future__ import annotations

import datetime as dt
import io
import pickle
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pikepdf
from pypdf import PdfReader, PdfWriter

from documents.engine import compile_pdf
from documents.letter_data import LetterBook

# villages per Typst document: large enough that compiling costs little per letter, small enough
# that a national book never sits whole in memory
CHUNK_VILLAGES = 250
# batches per batch process: its start (about a second) spread over some 1,000 letters, its memory
# (about 2 MB a letter, kept until it ends) bounded
BATCHES_PER_PROCESS = 4
MERGED_NAME = "letters.pdf"
ZIP_NAME = "letters.zip"
Progress = Callable[[int, int], None]  # (letters done, letters in all)


@dataclass(frozen=True)
class RenderedChunk:
    """One compiled document of several letters, and each village's own PDF cut from it."""

    pdf: bytes
    letters: list[tuple[str, bytes]]  # (file name, the village's PDF)


def render_batch(
    common: dict[str, Any], letters: list[dict[str, Any]], paths: list[str], stamp: dt.date
) -> RenderedChunk:
    """Compile the letters in one document and cut it at each village's bookmark."""
    pdf = compile_pdf("letter.typ", {"book": {"common": common, "letters": letters}}, stamp=stamp)
    reader = PdfReader(io.BytesIO(pdf))
    starts = [
        reader.get_destination_page_number(item) for item in reader.outline if not isinstance(item, list)
    ]
    if len(starts) != len(letters):
        raise RuntimeError(f"letters compiled: {len(starts)} bookmarks for {len(letters)} villages")
    ends = [*starts[1:], len(reader.pages)]
    source = pikepdf.open(io.BytesIO(pdf))
    cut = []
    for name, first, end in zip(paths, starts, ends, strict=True):
        single = pikepdf.new()
        single.pages.extend(source.pages[first:end])
        buffer = io.BytesIO()
        single.save(buffer, compress_streams=True)
        cut.append((name, buffer.getvalue()))
    return RenderedChunk(pdf, cut)


def _in_a_process(parts: list[tuple[Any, ...]]) -> list[RenderedChunk]:
    """Batches compiled by `python -m documents.batch` (a plain subprocess: it works from a
    daemonic job process too, where multiprocessing may start no children)."""
    done = subprocess.run(
        [sys.executable, "-m", "documents.batch"], input=pickle.dumps(parts), capture_output=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"a batch of letters failed: {done.stderr.decode(errors='replace')[-2000:]}")
    rendered: list[RenderedChunk] = pickle.loads(done.stdout)  # from our own child
    return rendered


def render_chunks(
    book: LetterBook, chunk: int = CHUNK_VILLAGES, workers: int = 1, progress: Progress | None = None
) -> Iterator[RenderedChunk]:
    """The book compiled `chunk` villages at a time, in print order: one batch in this process,
    more in batch processes, `workers` at once."""
    starts = range(0, len(book.letters), chunk)
    parts = [(book.common, book.letters[s : s + chunk], book.paths[s : s + chunk], book.date) for s in starts]
    done = 0
    if len(parts) <= 1:
        groups: Iterator[list[RenderedChunk]] = iter([[render_batch(*part) for part in parts]])
        pool = None
    else:
        grouped = [parts[i : i + BATCHES_PER_PROCESS] for i in range(0, len(parts), BATCHES_PER_PROCESS)]
        pool = ThreadPoolExecutor(max_workers=max(1, workers))
        groups = pool.map(_in_a_process, grouped)
    try:
        for group in groups:
            for rendered in group:
                done += len(rendered.letters)
                if progress is not None:
                    progress(done, len(book.letters))
                yield rendered
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def merged_pdf(book: LetterBook, out: IO[bytes], progress: Progress | None = None, workers: int = 1) -> None:
    """Every letter in one PDF for printing, in print order, a bookmark per village."""
    writer = PdfWriter()
    for rendered in render_chunks(book, workers=workers, progress=progress):
        writer.append(io.BytesIO(rendered.pdf))
    writer.write(out)


def write_letters(
    book: LetterBook, out_dir: Path, progress: Progress | None = None, zipped: bool = False, workers: int = 1
) -> list[Path]:
    """One PDF per village under `out_dir` (folders by kecamatan) and `letters.pdf` with them all;
    `zipped`: the villages' PDFs in `letters.zip` too."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    merged = PdfWriter()
    archive = (
        zipfile.ZipFile(out_dir / (ZIP_NAME + ".part"), "w", zipfile.ZIP_STORED, allowZip64=True)
        if zipped
        else None
    )
    try:
        for rendered in render_chunks(book, workers=workers, progress=progress):
            for name, pdf in rendered.letters:
                path = out_dir / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(pdf)
                written.append(path)
                if archive is not None:
                    archive.writestr(name, pdf)
            merged.append(io.BytesIO(rendered.pdf))
    finally:
        if archive is not None:
            archive.close()
    if zipped:
        (out_dir / (ZIP_NAME + ".part")).replace(out_dir / ZIP_NAME)
    tmp = out_dir / (MERGED_NAME + ".part")
    with tmp.open("wb") as handle:
        merged.write(handle)
    tmp.replace(out_dir / MERGED_NAME)
    return written


def letters_zip(book: LetterBook, out: IO[bytes], progress: Progress | None = None, workers: int = 1) -> int:
    """One PDF per village in a zip (folders by kecamatan); returns how many letters."""
    count = 0
    # PDFs are compressed already: stored, not deflated again
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for rendered in render_chunks(book, workers=workers, progress=progress):
            for name, pdf in rendered.letters:
                archive.writestr(name, pdf)
                count += 1
    return count
