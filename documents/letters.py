"""Every village's letter as PDF: compiled a few hundred villages at a time (one Typst document
each, its letters found again by their bookmarks), then cut into one PDF per village (qpdf, through
pikepdf) and joined into one PDF for printing. Large books are compiled by several processes.

    book = letter_book(plan, letterhead, PlanRef("plan/12", date), "id")
    write_letters(book, Path("out"))  # out/01-Cibarusah/3216012001-Sindang Mulya.pdf ..., out/letters.pdf
    letters_zip(book, buffer)  # the same villages' files, zipped
"""

from __future__ import annotations

import datetime as dt
import io
import multiprocessing
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
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
# below this many letters one process does it all: starting others costs more than it saves
PARALLEL_MIN_LETTERS = 1_000
MERGED_NAME = "letters.pdf"
ZIP_NAME = "letters.zip"
Progress = Callable[[int, int], None]  # (letters done, letters in all)


@dataclass(frozen=True)
class RenderedChunk:
    """One compiled document of several letters, and each village's own PDF cut from it."""

    pdf: bytes
    letters: list[tuple[str, bytes]]  # (file name, the village's PDF)


def _render(common: dict[str, Any], letters: list[dict[str, Any]], paths: list[str],
            stamp: dt.date) -> RenderedChunk:
    """Compile the letters in one document and cut it at each village's bookmark."""
    pdf = compile_pdf("letter.typ", {"book": {"common": common, "letters": letters}}, stamp=stamp)
    reader = PdfReader(io.BytesIO(pdf))
    starts = [reader.get_destination_page_number(item) for item in reader.outline
              if not isinstance(item, list)]
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


def render_chunks(book: LetterBook, chunk: int = CHUNK_VILLAGES, workers: int = 1,
                  progress: Progress | None = None) -> Iterator[RenderedChunk]:
    """The book compiled `chunk` villages at a time, in print order; by `workers` processes
    when it has `PARALLEL_MIN_LETTERS` letters or more."""
    starts = range(0, len(book.letters), chunk)
    parts = [(book.common, book.letters[s:s + chunk], book.paths[s:s + chunk], book.date) for s in starts]
    done = 0
    if workers > 1 and len(book.letters) >= PARALLEL_MIN_LETTERS:
        # forkserver: the pool's processes do not inherit a server's threads and connections
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            for rendered in pool.map(_render, *zip(*parts, strict=True)):
                done += len(rendered.letters)
                if progress is not None:
                    progress(done, len(book.letters))
                yield rendered
        return
    for part in parts:
        rendered = _render(*part)
        done += len(rendered.letters)
        if progress is not None:
            progress(done, len(book.letters))
        yield rendered


def merged_pdf(book: LetterBook, out: IO[bytes], progress: Progress | None = None,
               workers: int = 1) -> None:
    """Every letter in one PDF for printing, in print order, a bookmark per village."""
    writer = PdfWriter()
    for rendered in render_chunks(book, workers=workers, progress=progress):
        writer.append(io.BytesIO(rendered.pdf))
    writer.write(out)


def write_letters(book: LetterBook, out_dir: Path, progress: Progress | None = None,
                  zipped: bool = False, workers: int = 1) -> list[Path]:
    """One PDF per village under `out_dir` (folders by kecamatan) and `letters.pdf` with them all;
    `zipped`: the villages' PDFs in `letters.zip` too."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    merged = PdfWriter()
    archive = zipfile.ZipFile(out_dir / (ZIP_NAME + ".part"), "w", zipfile.ZIP_STORED,
                              allowZip64=True) if zipped else None
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


def letters_zip(book: LetterBook, out: IO[bytes], progress: Progress | None = None,
                workers: int = 1) -> int:
    """One PDF per village in a zip (folders by kecamatan); returns how many letters."""
    count = 0
    # PDFs are compressed already: stored, not deflated again
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for rendered in render_chunks(book, workers=workers, progress=progress):
            for name, pdf in rendered.letters:
                archive.writestr(name, pdf)
                count += 1
    return count
