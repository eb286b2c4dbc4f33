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
WORD_GAP = 1.5  # points between two characters of one word; cells are far wider apart


def _pieces(layout: PageLayout) -> list[Piece]:
    """The page's words as OCR pieces (confidence 1: the text layer states its characters)."""
    return [Piece(word["text"], (round(word["x0"] * SCALE), round(word["top"] * SCALE),
                                 round(word["x1"] * SCALE), round(word["bottom"] * SCALE)), 1.0)
            for word in extract_words(layout.chars, x_tolerance=WORD_GAP)]


def read_words(layout: PageLayout, page_number: int) -> list[Block]:
    """The page's paragraphs and tables placed from word positions alone."""
    return build_blocks(_pieces(layout), [], page_number, 1 / SCALE)
