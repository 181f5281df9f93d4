"""What the district hands out: a letter for every village and a brief for the meeting, from a
plan, as PDF bytes. Pure: data in, PDF out; the layout in Typst templates (`templates/`), the words
in the documents' catalogue (`texts/`)."""

from documents.fingerprint import plan_fingerprint, plan_sha256
from documents.letter_data import LetterBook, PlanRef, letter_book
from documents.letterhead import Letterhead, letterhead_from_data, read_letterhead
from documents.letters import MERGED_NAME, letters_zip, merged_pdf, write_letters

__all__ = [
    "MERGED_NAME",
    "LetterBook",
    "Letterhead",
    "PlanRef",
    "letter_book",
    "letterhead_from_data",
    "letters_zip",
    "merged_pdf",
    "plan_fingerprint",
    "plan_sha256",
    "read_letterhead",
    "write_letters",
]
