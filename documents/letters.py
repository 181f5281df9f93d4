"""Every village's letter as PDF: compiled a few hundred villages at a time (one Typst document
each, its letters found again by their bookmarks), then cut into one PDF per village and joined
into one PDF for printing.

    book = letter_book(plan, letterhead, PlanRef("plan/12", date), "id")
    write_letters(book, Path("out"))  # out/01-Cibarusah/3216012001-Sindang Mulya.pdf ..., out/letters.pdf
    letters_zip(book, buffer)               # the same files, zipped
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pypdf import PdfReader, PdfWriter

from documents.engine import compile_pdf
from documents.letter_data import LetterBook

# villages per Typst document: large enough that compiling costs little per letter, small enough
# that a national book never sits whole in memory
CHUNK_VILLAGES = 250
MERGED_NAME = "letters.pdf"
ZIP_NAME = "letters.zip"
Progress = Callable[[int, int], None]  # (letters done, letters in all)


@dataclass(frozen=True)
class RenderedChunk:
    """One compiled document of several letters, and where each village's pages are in it."""

    pdf: bytes
    letters: list[tuple[str, int, int]]  # (file name, first page, one past the last page)


def render_chunks(book: LetterBook, chunk: int = CHUNK_VILLAGES) -> Iterator[RenderedChunk]:
    """The book compiled `chunk` villages at a time, in print order."""
    for start in range(0, len(book.letters), chunk):
        letters = book.letters[start:start + chunk]
        pdf = compile_pdf("letter.typ", {"book": {"common": book.common, "letters": letters}},
                          stamp=book.date)
        reader = PdfReader(io.BytesIO(pdf))
        starts = [reader.get_destination_page_number(item) for item in reader.outline
                  if not isinstance(item, list)]
        if len(starts) != len(letters):
            raise RuntimeError(f"letters compiled: {len(starts)} bookmarks for {len(letters)} villages")
        ends = [*starts[1:], len(reader.pages)]
        yield RenderedChunk(pdf, [(book.paths[start + i], starts[i], ends[i]) for i in range(len(letters))])


def _pages(reader: PdfReader, first: int, end: int) -> bytes:
    writer = PdfWriter()
    for number in range(first, end):
        writer.add_page(reader.pages[number])
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def village_pdfs(book: LetterBook, progress: Progress | None = None,
                 chunk: int = CHUNK_VILLAGES) -> Iterator[tuple[str, bytes, RenderedChunk | None]]:
    """(file name, the village's PDF, the chunk it came from when it is the chunk's last letter)."""
    done = 0
    for rendered in render_chunks(book, chunk):
        reader = PdfReader(io.BytesIO(rendered.pdf))
        for i, (name, first, end) in enumerate(rendered.letters):
            last = i == len(rendered.letters) - 1
            yield name, _pages(reader, first, end), rendered if last else None
        done += len(rendered.letters)
        if progress is not None:
            progress(done, len(book.letters))


def merged_pdf(book: LetterBook, out: IO[bytes], progress: Progress | None = None) -> None:
    """Every letter in one PDF for printing, in print order, a bookmark per village."""
    writer = PdfWriter()
    done = 0
    for rendered in render_chunks(book):
        writer.append(io.BytesIO(rendered.pdf))
        done += len(rendered.letters)
        if progress is not None:
            progress(done, len(book.letters))
    writer.write(out)


def write_letters(book: LetterBook, out_dir: Path, progress: Progress | None = None,
                  zipped: bool = False) -> list[Path]:
    """One PDF per village under `out_dir` (folders by kecamatan) and `letters.pdf` with them all;
    `zipped`: the villages' PDFs in `letters.zip` too."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    merged = PdfWriter()
    archive = zipfile.ZipFile(out_dir / (ZIP_NAME + ".part"), "w", zipfile.ZIP_STORED,
                              allowZip64=True) if zipped else None
    try:
        for name, pdf, chunk in village_pdfs(book, progress):
            path = out_dir / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(pdf)
            written.append(path)
            if archive is not None:
                archive.writestr(name, pdf)
            if chunk is not None:
                merged.append(io.BytesIO(chunk.pdf))
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


def letters_zip(book: LetterBook, out: IO[bytes], progress: Progress | None = None) -> int:
    """One PDF per village in a zip (folders by kecamatan); returns how many letters."""
    count = 0
    # PDFs are compressed already: stored, not deflated again
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, pdf, _ in village_pdfs(book, progress):
            archive.writestr(name, pdf)
            count += 1
    return count
