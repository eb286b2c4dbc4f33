"""A second reading of a PDF page's tables that never looks at ruling lines.

The words of the text layer are placed as the OCR stage places recognised pieces on a
page without rules (`ocr.layout`): text lines, columns clustered from the words' x
positions, rows anchored on the lines that hold values. Where the drawn rules mislead the
first reading (shading, rows missing a rule, cells merged by a broken grid), this one
does not, and where both agree a cell has been read twice, independently.
"""

from __future__ import annotations

from pdfplumber.utils.text import extract_words

from harvester.parse.carriers.pdf_layout import PageLayout
from harvester.parse.model import Block
from harvester.parse.ocr.engine import Piece
from harvester.parse.ocr.layout import build_blocks

READING = "text-words"
SCALE = 10  # word boxes in tenths of a point: the OCR layout works on integer pixels
PAD = 0.1  # share of a glyph's height an OCR box adds above and below it
WORD_GAP = 3.0  # points between two characters of one word (WPS letter-spaces labels ~2 pt); cells are ~10 pt apart


def _pieces(layout: PageLayout) -> list[Piece]:
    """The page's words as OCR pieces (confidence 1: the text layer states its characters).
    Spaces are dropped first: a letter-spaced label ("商 业 企") is one piece, as OCR sees it."""
    printed = [char for char in layout.chars if char["text"].strip()]
    return [Piece(word["text"], _box(word), 1.0)
            for word in extract_words(printed, x_tolerance=WORD_GAP)]


def _box(word: dict) -> tuple[int, int, int, int]:
    """The word's box as OCR would detect it: glyph boxes grown by PAD of their height above
    and below (OCR boxes carry that margin, and the layout's line spacing expects it)."""
    pad = (word["bottom"] - word["top"]) * PAD
    return (round(word["x0"] * SCALE), round((word["top"] - pad) * SCALE),
            round(word["x1"] * SCALE), round((word["bottom"] + pad) * SCALE))


def read_words(layout: PageLayout, page_number: int) -> list[Block]:
    """The page's paragraphs and tables placed from word positions alone."""
    return build_blocks(_pieces(layout), [], page_number, 1 / SCALE)
