"""The intermediate form every carrier produces, and the parse result built from it.

Carriers (text, HTML, DOCX, DOC, PDF, OCR) differ only in how they find paragraphs and
table cells; everything after that (template detection, label -> key mapping, checks,
sections) is written once, on this form.

A table is a list of *physical rows*: each row lists the cells that begin in it, left
to right. A cell merged over several rows or columns appears once, in the row where it
starts, with its span recorded; carriers never repeat or invent cells.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Cell:
    """One table cell as printed, with where it was found and how it was read."""

    text: str
    row: int  # physical row index within the table
    col: int  # grid column where the cell starts (best effort for text carriers)
    rowspan: int = 1
    colspan: int = 1
    page: int | None = None  # 1-based page for paged carriers
    bbox: tuple[float, float, float, float] | None = None  # x0, top, x1, bottom (points/pixels)
    confidence: float | None = None  # OCR confidence 0..1; None for text layers


@dataclass
class Table:
    """A table in reading order; a table split across pages may arrive as several."""

    index: int  # 0-based order among the document's tables
    rows: list[list[Cell]]
    page: int | None = None  # page where the table starts


@dataclass
class Paragraph:
    """A run of prose outside tables (a heading, a paragraph, a line of a text file)."""

    text: str
    page: int | None = None


Block = Paragraph | Table


OCR_METHODS = ("ocr", "mixed")  # the methods of a file read, in whole or in part, by OCR


@dataclass
class Extract:
    """What a carrier read from one file: blocks in reading order plus its own notes."""

    carrier: str  # "text", "html", "docx", "doc", "pdf", "image"
    method: str  # "text", "markup", "text-layer", "ocr", "mixed"
    blocks: list[Block] = field(default_factory=list)
    pages: int | None = None
    title: str | None = None  # document title when the carrier knows one (<title>, metadata)
    errors: list[str] = field(default_factory=list)
    page_notes: list[dict[str, Any]] = field(default_factory=list)  # per-page decisions (OCR)
    # Independent second readings of the same pages, by reading name ("text-words"): the
    # interpreter maps each and compares it cell by cell with `blocks`.
    readings: dict[str, list[Block]] = field(default_factory=dict)
    # The pages a partial reading really read (OCR of disputed pages); absent: every page.
    reading_pages: dict[str, list[int]] = field(default_factory=dict)

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]


@dataclass
class Check:
    """One identity of the report's own arithmetic; passed is None when it cannot be computed."""

    name: str
    passed: bool | None
    detail: str
    keys: list[str] = field(default_factory=list)  # the facts the identity adds up


AGENCY_SOURCES = {
    "title": "the report's own title",
    "publisher": "the 发布机构 (or 发文机关, 来源) field of the page's metadata block",
    "signature": "the signature (落款) at the end of the report",
    "link_text": "the text of the link the document was found under (completed at load)",
    "registry": "the registry entry of the agency's own site (completed at load)",
}
"""Where a report's agency (and year) can be read from, most direct first; owned here."""

CELL_STATUSES = {
    "verified": "confirmed twice: two independent readings agree (or a markup cell an identity "
                "confirms) and every identity the cell takes part in holds",
    "agreed": "two independent readings agree, but an identity the cell takes part in fails",
    "settled": "the readings disagree; the report's own arithmetic chose one of them",
    "ocr": "read from the rendered page by OCR only",
    "single": "one reading only (markup, text or a single OCR pass); nothing to compare",
    "flagged": "the readings disagree and no identity settles it: kept as the best reading read it",
}
"""How each fact's value was established (`ParseResult.cell_status`); owned here."""


@dataclass
class ParseResult:
    """Everything read from one file; `to_json()` is the `harvester parse --json` line."""

    path: str
    sha256: str
    carrier: str
    method: str = ""
    kind: str = "report"  # "report", "not_report", "unreadable"
    template: str = "unknown"
    agency: str | None = None
    year: int | None = None
    agency_source: str | None = None  # where the agency was read: AGENCY_SOURCES
    year_source: str | None = None  # where the year was read: "title" (or "link_text" at load)
    title: str | None = None
    facts: dict[str, int | float | None] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    where: dict[str, dict[str, Any]] = field(default_factory=dict)
    cell_status: dict[str, str] = field(default_factory=dict)  # key -> one of CELL_STATUSES
    sections: dict[str, str] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    page_notes: list[dict[str, Any]] = field(default_factory=list)
    parser_version: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
