"""HTML carrier: paragraphs and data tables of a report page, as printed.

Portals wrap whole pages in layout tables, so only innermost tables (no table inside)
are data tables; the text of layout tables flows into paragraphs like any other block.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import lxml.etree

from harvester import markup
from harvester.markup import skipped, tag_name
from harvester.parse.carriers.textnorm import join_lines
from harvester.parse.errors import UnreadableFile
from harvester.parse.limits import MAX_HTML_BYTES
from harvester.parse.model import Cell, Extract, Paragraph, Table

BLOCKS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol",
                    "section", "article", "aside", "main", "blockquote", "pre", "dl", "dt",
                    "dd", "table", "tr", "td", "th", "caption", "center", "address",
                    "figure", "figcaption", "form", "hr", "fieldset", "body", "tbody",
                    "thead", "tfoot"})
MAX_SPAN = 100  # a real report table is < 40 rows and < 20 columns


def _span(element: lxml.etree._Element, name: str) -> int:
    """rowspan/colspan as an int in 1..MAX_SPAN (missing or junk -> 1)."""
    digits = re.match(r"\s*(\d+)", element.get(name, ""))
    return min(max(int(digits.group(1)), 1), MAX_SPAN) if digits else 1


def _text_lines(element: lxml.etree._Element, out: list[str]) -> None:
    """Append the element's visible text, with newlines at <br> and block boundaries."""
    if tag_name(element) == "br" or tag_name(element) in BLOCKS:
        out.append("\n")
    if element.text:
        out.append(element.text)
    for child in element:
        if not skipped(child):
            _text_lines(child, out)
        if child.tail:
            out.append(child.tail)
    if tag_name(element) in BLOCKS:
        out.append("\n")


def cell_text(element: lxml.etree._Element) -> str:
    """The printed text of a cell (Word span soup, &nbsp; and <br> normalised)."""
    out: list[str] = []
    _text_lines(element, out)
    return join_lines("".join(out))


def _rows(table: lxml.etree._Element) -> list[lxml.etree._Element]:
    """The table's own <tr>s, through thead/tbody/tfoot."""
    return [tr for tr in table.iter("tr") if not skipped(tr)]


def grid(table: lxml.etree._Element) -> Iterator[list[tuple[lxml.etree._Element, Cell]]]:
    """A data <table>'s physical rows: each cell element with its Cell (grid column and spans).

    A rowspan ends with the table (as in browsers); the grid is kept as one row of column ends,
    so memory follows the table's width, never the area its spans declare."""
    trs = _rows(table)
    free_from: list[int] = []  # per grid column: the first row not covered by a cell from above
    for r, tr in enumerate(trs):
        row: list[tuple[lxml.etree._Element, Cell]] = []
        col = 0
        for td in tr:
            if tag_name(td) not in ("td", "th") or skipped(td):
                continue
            while col < len(free_from) and free_from[col] > r:
                col += 1
            rowspan, colspan = min(_span(td, "rowspan"), len(trs) - r), _span(td, "colspan")
            row.append((td, Cell(cell_text(td), r, col, rowspan, colspan)))
            free_from.extend([0] * (col + colspan - len(free_from)))
            free_from[col:col + colspan] = [max(end, r + rowspan) for end in free_from[col:col + colspan]]
            col += colspan
        yield row


def read_table(table: lxml.etree._Element, index: int) -> Table:
    """A data <table> as physical rows of cells with grid columns and spans."""
    return Table(index=index, rows=[[cell for _, cell in row] for row in grid(table)])


def is_data_table(element: lxml.etree._Element) -> bool:
    """A <table> read as a table (an innermost one; layout tables around it are walked through)."""
    return tag_name(element) == "table" and element.find(".//table") is None


class _Walker:
    """Walks the body in document order, cutting text into paragraphs and data tables."""

    def __init__(self) -> None:
        self.blocks: list[Paragraph | Table] = []
        self.buffer: list[str] = []
        self.tables = 0

    def flush(self) -> None:
        text = join_lines("".join(self.buffer))
        if text:
            self.blocks.append(Paragraph(text))
        self.buffer = []

    def walk(self, element: lxml.etree._Element) -> None:
        tag = tag_name(element)
        if skipped(element):
            pass
        elif is_data_table(element):
            self.flush()
            self.blocks.append(read_table(element, self.tables))
            self.tables += 1
        elif tag == "br":
            self.flush()
        else:
            block = tag in BLOCKS
            if block:
                self.flush()
            if element.text:
                self.buffer.append(element.text)
            for child in element:
                self.walk(child)
            if block:
                self.flush()
        if element.tail:
            self.buffer.append(element.tail)


def _title(root: lxml.etree._Element) -> str | None:
    """The page <title>, normalised; None when missing or blank."""
    title = root.find(".//title")
    text = join_lines(title.text_content()) if title is not None else ""
    return text or None


def parse_document(data: bytes) -> lxml.etree._Element:
    """The page's element tree (see harvester.markup); UnreadableFile when it is none."""
    try:
        return markup.parse_document(data)
    except markup.NotMarkup as error:
        raise UnreadableFile(str(error)) from error


CUT_SHORT = "HTML page cut short: a table is left open and the page never ends (no </html>)"
TABLE_OPEN, TABLE_CLOSE, PAGE_END = (re.compile(p, re.I) for p in (rb"<table\b", rb"</table\s*>",
                                                                    rb"</html\s*>"))


def _cut_short(data: bytes) -> bool:
    """True when the bytes stop inside a table of a page that never ends: what a broken
    download leaves (a whole page closes its tables, and most close </html>)."""
    return (not PAGE_END.search(data)
            and len(TABLE_OPEN.findall(data)) > len(TABLE_CLOSE.findall(data)))


def extract(data: bytes) -> Extract:
    """Read an HTML page into paragraphs and tables (method "markup"); past MAX_HTML_BYTES only the
    beginning is read, and the extract says so."""
    errors = [f"HTML page of {len(data)} bytes: only its first {MAX_HTML_BYTES} bytes were read"
              ] if len(data) > MAX_HTML_BYTES else []
    if len(data) <= MAX_HTML_BYTES and _cut_short(data):
        errors.append(CUT_SHORT)
    root = parse_document(data[:MAX_HTML_BYTES])
    walker = _Walker()
    body = root.find("body")
    walker.walk(body if body is not None else root)
    walker.flush()
    return Extract(carrier="html", method="markup", blocks=walker.blocks, title=_title(root), errors=errors)


def find_cell(data: bytes, table: int, row: int, col: int) -> tuple[lxml.etree._Element, lxml.etree._Element | None]:
    """The page's element tree and the element of the cell `extract` read at (table, row, col)
    (None when the page has no such cell): the walk's order of data tables, outside skipped chrome."""
    root = parse_document(data[:MAX_HTML_BYTES])
    body = root.find("body")
    tables = [t for t in (body if body is not None else root).iter("table")
              if is_data_table(t) and not any(skipped(e) for e in (t, *t.iterancestors()))]
    if table >= len(tables):
        return root, None
    rows = list(grid(tables[table]))
    found = [td for td, cell in rows[row] if cell.col == col] if row < len(rows) else []
    return root, found[0] if found else None

