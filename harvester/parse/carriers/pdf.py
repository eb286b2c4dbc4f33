"""PDF carrier (text layer): ruled tables with page and bbox per cell, prose in reading order.

pdfium (pypdfium2, in C) reads each page's characters and ruling lines
(`pdf_layout`); pdfplumber's pure geometry turns those into tables, once per page.
Merged regions arrive as None grid slots, so spans are recomputed from each cell's bbox
against the table's row and column boundaries. A table continued on the next page
arrives as a separate Table. A PDF without a text layer yields no blocks, an error and
per-page notes for the OCR stage.
"""

from __future__ import annotations

import re
import time
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

import pypdfium2 as pdfium
from pdfplumber.table import Table as PlumberTable
from pdfplumber.table import TableFinder
from pdfplumber.utils import outside_bbox
from pdfplumber.utils.text import chars_to_textmap

from harvester.parse.carriers.pdf_layout import PageLayout, read_layout
from harvester.parse.carriers.pdf_repair import rebuild
from harvester.parse.carriers.pdf_words import READING, read_words
from harvester.parse.carriers.textnorm import join_lines
from harvester.parse.errors import NO_TEXT_LAYER, PAGES_WITHOUT_TEXT, UnreadableFile
from harvester.parse.limits import MAX_PAGE_CHARS, MAX_PAGE_OBJECTS, MAX_PDF_PAGES
from harvester.parse.model import Block, Cell, Extract, Paragraph, Table

MIN_PAGE_CHARS = 20  # fewer printable chars than this: a scanned page (a stray page number at most)
EDGE_TOLERANCE = 2.0  # points; LibreOffice and Word place shared cell edges within ~1 pt
TIME_BUDGET_S = 60.0  # a report reads in < 1 s; beyond this the file is pathological
TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
MAX_WORDS_CHARS = 20_000  # a report page prints ~2,000; beyond this the words are not re-placed
PARAGRAPH_GAP = 1.6  # a vertical gap above this many line heights starts a new paragraph
SENTENCE_ENDS = ("。", "！", "？", "”", "：", "；")  # a paragraph ending so is not cut by a page break
# A running page number ("- 3 -", "第3页", "3/6") alone on a line in the top or bottom margin.
PAGE_NUMBER = re.compile(r"^[-—–－~]*(?:第)?\d{1,4}(?:页)?(?:[/／](?:共)?\d{1,4}页?)?[-—–－~]*$")
MARGIN_SHARE = 0.1  # of the page height, at the top and at the bottom
NUMBER_WIDTH_SHARE = 0.15  # of the page width: a page number is short
READ_ERRORS = (pdfium.PdfiumError, ValueError, KeyError, TypeError, AttributeError,
               AssertionError, IndexError, OverflowError, ZeroDivisionError, RecursionError)


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def page_note(number: int, layout: PageLayout) -> dict[str, Any]:
    """Cheap statistics of a page for the OCR decision: chars, CJK share, cid tokens, images."""
    printable = [c["text"] for c in layout.chars if c["text"].strip()]
    cid = layout.unmapped
    cjk = sum(1 for t in printable if _is_cjk(t))
    readable, images = len(printable) - cid, layout.images
    return {"page": number, "chars": len(printable),
            "cjk_share": round(cjk / len(printable), 3) if printable else 0.0,
            "cid_tokens": cid, "images": images,
            # a short last page ("六、其他需要报告的事项 无。") has text and no image
            "needs_ocr": readable == 0 or (readable < MIN_PAGE_CHARS and images > 0)}


def _boundaries(values: list[float]) -> list[float]:
    """Sorted distinct coordinates, merging those within EDGE_TOLERANCE."""
    merged: list[float] = []
    for value in sorted(values):
        if not merged or value - merged[-1] > EDGE_TOLERANCE:
            merged.append(value)
    return merged


def _index(boundaries: list[float], value: float) -> int:
    """Index of the boundary at value (within tolerance)."""
    return bisect_left(boundaries, value - EDGE_TOLERANCE)


def read_table(found: PlumberTable, index: int, page_number: int) -> Table | None:
    """A pdfplumber table as physical rows with spans; None for one-column page frames."""
    boxes = [box for row in found.rows for box in row.cells if box is not None]
    columns = _boundaries([b[0] for b in boxes] + [b[2] for b in boxes])
    tops = _boundaries([b[1] for b in boxes] + [b[3] for b in boxes])
    if len(columns) < 3:  # a single column: a frame or box drawn around text, not a table
        return None
    rows: list[list[Cell]] = []
    for r, (row, texts) in enumerate(zip(found.rows, found.extract())):
        cells = []
        for box, text in zip(row.cells, texts):
            if box is None:
                continue  # grid slot covered by a merged cell that starts elsewhere
            col, top = _index(columns, box[0]), _index(tops, box[1])
            cells.append(Cell(join_lines(text or ""), r, col,
                              rowspan=max(_index(tops, box[3]) - top, 1),
                              colspan=max(_index(columns, box[2]) - col, 1),
                              page=page_number, bbox=tuple(round(v, 2) for v in box)))
        rows.append(cells)
    return Table(index=index, rows=rows, page=page_number)


@dataclass
class _Margins:
    """Where a page's prose lines start and end, to tell an indent or a short line."""

    left: float
    right: float

    def indented(self, line: dict[str, Any]) -> bool:
        return line["x0"] > self.left + _height(line)

    def ends_short(self, line: dict[str, Any]) -> bool:
        return line["x1"] < self.right - 3 * _height(line)


def _height(line: dict[str, Any]) -> float:
    return max(line["bottom"] - line["top"], 1.0)


def _paragraphs(lines: list[dict[str, Any]], page_number: int) -> list[tuple[float, Paragraph]]:
    """Text lines grouped into paragraphs: a new one after an indent, a short line or a gap."""
    if not lines:
        return []
    margins = _Margins(min(line["x0"] for line in lines), max(line["x1"] for line in lines))
    out: list[tuple[float, list[str]]] = []
    previous: dict[str, Any] | None = None
    for line in lines:
        starts = (previous is None or margins.indented(line) or margins.ends_short(previous)
                  or line["top"] - previous["bottom"] > PARAGRAPH_GAP * _height(line))
        if starts:
            out.append((line["top"], []))
        out[-1][1].append(line["text"])
        previous = line
    return [(top, Paragraph(join_lines("\n".join(texts)), page_number)) for top, texts in out]


@dataclass
class _PageProse:
    """A page's blocks, and whether its prose runs on over the page break: its first line
    continues the previous page (not indented), its last line reaches the margin."""

    blocks: list[Block]
    continues: bool = False
    runs_on: bool = False


def _prose_edges(page: _PageProse, lines: list[dict[str, Any]]) -> None:
    """Mark whether the page's first and last blocks are prose open across the break."""
    if not lines or not page.blocks:
        return
    margins = _Margins(min(line["x0"] for line in lines), max(line["x1"] for line in lines))
    first, last = page.blocks[0], page.blocks[-1]
    page.continues = isinstance(first, Paragraph) and not margins.indented(lines[0])
    page.runs_on = (isinstance(last, Paragraph) and not margins.ends_short(lines[-1])
                    and not last.text.endswith(SENTENCE_ENDS))


def _join_across_pages(blocks: list[Block], page: _PageProse, previous_runs_on: bool) -> None:
    """Append a page's blocks; a paragraph cut by the page break becomes one again."""
    incoming = page.blocks
    if previous_runs_on and page.continues and blocks and isinstance(incoming[0], Paragraph):
        cut = blocks[-1]
        blocks[-1] = Paragraph(join_lines(f"{cut.text}\n{incoming[0].text}"), cut.page)
        incoming = incoming[1:]
    blocks.extend(incoming)


def without_page_numbers(layout: PageLayout) -> PageLayout:
    """The page without its running page number, which would end the page's last paragraph
    ("…将栏目不更- 2 -") or stand as a paragraph of its own."""
    _, _, width, height = layout.bbox
    lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for char in layout.chars:
        if char["top"] < height * MARGIN_SHARE or char["bottom"] > height * (1 - MARGIN_SHARE):
            lines[round(char["bottom"])].append(char)
    dropped: set[int] = set()
    for line in lines.values():
        text = "".join(c["text"] for c in sorted(line, key=lambda c: c["x0"]) if c["text"].strip())
        span = max(c["x1"] for c in line) - min(c["x0"] for c in line)
        if PAGE_NUMBER.match(text) and span < width * NUMBER_WIDTH_SHARE:
            dropped.update(id(c) for c in line)
    if not dropped:
        return layout
    return replace(layout, chars=[c for c in layout.chars if id(c) not in dropped])


def _read_page(layout: PageLayout, number: int, first_index: int) -> _PageProse:
    """A page's tables and paragraphs, ordered top to bottom."""
    placed: list[tuple[float, Block]] = []
    outside = layout.chars
    for found in TableFinder(layout, TABLE_SETTINGS).tables:
        table = read_table(found, first_index + len(placed), number)
        if table is not None:
            placed.append((found.bbox[1], table))
            outside = outside_bbox(outside, found.bbox)
    lines = []
    if outside:
        lines = chars_to_textmap(outside, layout_bbox=layout.bbox).extract_text_lines(
            strip=True, return_chars=False)
        placed.extend(_paragraphs(lines, number))
    placed.sort(key=lambda item: item[0])
    page = _PageProse([block for _, block in placed])
    _prose_edges(page, lines)
    return page


def _open(data: bytes, errors: list[str]) -> pdfium.PdfDocument:
    """pdfium document for data (a file cut short is rebuilt from its whole objects, and
    `errors` says so), or UnreadableFile with the reason."""
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if "password" in str(error).lower():
            raise UnreadableFile(f"encrypted PDF: {error}") from error
        rebuilt = rebuild(data)
        if rebuilt is not None:
            try:
                document = pdfium.PdfDocument(rebuilt[0])
            except pdfium.PdfiumError:
                pass
            else:
                errors.append(f"damaged PDF ({error}): rebuilt from the {rebuilt[1]} whole "
                              f"pages it still holds")
                return document
        raise UnreadableFile(f"corrupt PDF: {error}") from error


def _title(pdf: pdfium.PdfDocument, errors: list[str]) -> str | None:
    """The document information's title; None, said in `errors`, when its bytes do not decode."""
    try:
        return join_lines(pdf.get_metadata_value("Title")) or None
    except UnicodeDecodeError as error:
        errors.append(f"PDF title cannot be decoded ({error.reason}): left out")
        return None


def extract(data: bytes) -> Extract:
    """Read a PDF's text layer (method "text-layer")."""
    result = Extract(carrier="pdf", method="text-layer")
    pdf = _open(data, result.errors)
    started = time.monotonic()
    try:
        result.pages = len(pdf)
        result.title = _title(pdf, result.errors)
        if result.pages == 0:
            raise UnreadableFile("corrupt PDF: no pages")
        if result.pages > MAX_PDF_PAGES:
            result.errors.append(f"{result.pages} pages: read the first {MAX_PDF_PAGES} only")
        blocks: list[Block] = []
        words: list[Block] = []
        runs_on = False
        for index in range(min(result.pages, MAX_PDF_PAGES)):
            number = index + 1
            if time.monotonic() - started > TIME_BUDGET_S:
                result.errors.append(f"stopped after page {index}: over {TIME_BUDGET_S:.0f} s")
                break
            try:
                page = pdf[index]
                try:
                    layout = read_layout(page)
                finally:
                    page.close()
                note = page_note(number, layout)
                result.page_notes.append(note)
                layout = without_page_numbers(layout)
                result.errors.extend(_page_bounds(layout, number))
                if note["chars"]:
                    tables_so_far = sum(isinstance(b, Table) for b in blocks)
                    page_prose = _read_page(layout, number, tables_so_far)
                    _join_across_pages(blocks, page_prose, runs_on)
                    runs_on = page_prose.runs_on
                    words.extend(_second_reading(layout, number, result.errors))
            except READ_ERRORS as error:
                result.errors.append(f"page {number}: {type(error).__name__}: {error}")
    finally:
        pdf.close()
    if all(note["needs_ocr"] for note in result.page_notes):
        result.errors.append(NO_TEXT_LAYER)
        return result
    scanned = [n["page"] for n in result.page_notes if n["needs_ocr"]]
    if scanned:
        result.errors.append(f"{PAGES_WITHOUT_TEXT} (need OCR): {scanned}")
    result.blocks = blocks
    for number, table in enumerate(b for b in words if isinstance(b, Table)):
        table.index = number
    result.readings[READING] = words
    return result


def _page_bounds(layout: PageLayout, number: int) -> list[str]:
    """What a text-operator flood had cut from the page (see MAX_PAGE_CHARS, MAX_PAGE_OBJECTS)."""
    cut = [(layout.counted, "characters", MAX_PAGE_CHARS), (layout.objects, "objects", MAX_PAGE_OBJECTS)]
    return [f"page {number}: {found} {what}, read the first {limit}" for found, what, limit in cut if found > limit]


def _second_reading(layout: PageLayout, number: int, errors: list[str]) -> list[Block]:
    """The page's words placed without rules; a page it cannot place keeps its first reading."""
    if len(layout.chars) > MAX_WORDS_CHARS:
        errors.append(f"page {number}: {len(layout.chars)} characters, read once (no second reading)")
        return []
    try:
        return read_words(layout, number)
    except READ_ERRORS as error:
        errors.append(f"page {number}: second reading failed: {type(error).__name__}: {error}")
        return []
