"""DOCX carrier: body paragraphs and tables in document order, merged cells once with spans.

python-docx repeats a merged cell in every grid slot it covers and loads every part of
the package, so the carrier reads word/document.xml itself with lxml (what python-docx
does underneath): w:gridSpan gives the colspan, a w:vMerge without val="restart"
continues the cell above (its rowspan grows; the continuation is dropped).
"""

from __future__ import annotations

import io
import zipfile
import zlib

import lxml.etree

from harvester.parse.carriers.textnorm import join_lines
from harvester.parse.errors import UnreadableFile
from harvester.parse.limits import check_zip
from harvester.parse.model import Block, Cell, Extract, Paragraph, Table

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
P, TBL, TR, TC, SDT, BODY, VAL = (f"{{{W}}}{name}" for name in (
    "p", "tbl", "tr", "tc", "sdt", "body", "val"))
TC_PR, TR_PR, SDT_CONTENT = (f"{{{W}}}{name}" for name in ("tcPr", "trPr", "sdtContent"))
GRID_SPAN, V_MERGE, GRID_BEFORE = (f"{{{W}}}{name}"
                                   for name in ("gridSpan", "vMerge", "gridBefore"))
# Word documents are not hostile XML, but a crafted one must not expand entities or reach out.
PARSER = lxml.etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
# Runs' text parts; w:delText (tracked deletions) and w:instrText (field codes) are not printed.
TEXT_PARTS = {f"{{{W}}}t": None, f"{{{W}}}tab": " ", f"{{{W}}}br": "\n", f"{{{W}}}cr": "\n"}


def _val(properties: lxml.etree._Element | None, tag: str) -> str | None:
    """The w:val of the `tag` child of a properties element (None when absent)."""
    found = None if properties is None else properties.find(tag)
    return None if found is None else found.get(VAL, "")


def _int(value: str | None, default: int) -> int:
    """A small non-negative int from an attribute (junk -> default)."""
    return min(int(value), 1000) if value and value.isdigit() else default


def paragraph_text(p: lxml.etree._Element) -> str:
    """The printed text of a w:p."""
    return "".join(node.text or "" if TEXT_PARTS[node.tag] is None else TEXT_PARTS[node.tag]
                   for node in p.iter(*TEXT_PARTS))


def _cell_text(tc: lxml.etree._Element) -> str:
    """A cell's paragraphs joined as one printed cell text."""
    return join_lines("\n".join(paragraph_text(p) for p in tc.iter(P)))


def read_table(tbl: lxml.etree._Element, index: int) -> Table:
    """A w:tbl as physical rows; vertically merged cells appear once with their rowspan."""
    rows: list[list[Cell]] = []
    open_cells: dict[int, Cell] = {}  # grid column -> cell a vMerge may continue
    for r, tr in enumerate(tbl.iterchildren(TR)):
        row: list[Cell] = []
        col = _int(_val(tr.find(TR_PR), GRID_BEFORE), 0)
        for tc in tr.iterchildren(TC):
            properties = tc.find(TC_PR)
            colspan = max(_int(_val(properties, GRID_SPAN), 1), 1)
            merge = _val(properties, V_MERGE)
            above = open_cells.get(col)
            if merge is not None and merge != "restart" and above is not None:
                above.rowspan = r - above.row + 1
            else:
                cell = Cell(_cell_text(tc), r, col, colspan=colspan)
                row.append(cell)
                for c in range(col, col + colspan):
                    open_cells[c] = cell
            col += colspan
        rows.append(row)
    return Table(index=index, rows=rows)


def _blocks(container: lxml.etree._Element, blocks: list[Block]) -> None:
    """Append the container's paragraphs and tables in body order (content controls opened)."""
    for child in container:
        if child.tag == P:
            text = join_lines(paragraph_text(child))
            if text:
                blocks.append(Paragraph(text))
        elif child.tag == TBL:
            blocks.append(read_table(child, sum(isinstance(b, Table) for b in blocks)))
        elif child.tag == SDT:
            content = child.find(SDT_CONTENT)
            if content is not None:
                _blocks(content, blocks)


def read_parts(data: bytes) -> tuple[lxml.etree._Element, lxml.etree._Element | None]:
    """(document.xml root, core.xml root or None), after the zip bomb checks."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_zip(archive, len(data))
            names = set(archive.namelist())
            if "word/document.xml" not in names:
                raise UnreadableFile("zip without word/document.xml: not a DOCX")
            document = lxml.etree.fromstring(archive.read("word/document.xml"), PARSER)
            core = None
            if "docProps/core.xml" in names:
                core = lxml.etree.fromstring(archive.read("docProps/core.xml"), PARSER)
        return document, core
    except (RuntimeError, NotImplementedError) as error:  # zipfile: member encrypted, or AES (method 99)
        raise UnreadableFile(f"DOCX not readable: {error}") from error
    except zlib.error as error:  # the zip's structure holds, a member's deflate stream does not
        raise UnreadableFile(f"corrupt DOCX: a compressed member is damaged ({error})") from error
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, ValueError,
            lxml.etree.XMLSyntaxError, EOFError, OSError) as error:
        raise UnreadableFile(f"corrupt DOCX: {type(error).__name__}: {error}") from error


def extract(data: bytes) -> Extract:
    """Read a DOCX into paragraphs and tables (method "markup")."""
    document, core = read_parts(data)
    body = document.find(BODY)
    if body is None:
        raise UnreadableFile("corrupt DOCX: word/document.xml has no w:body")
    for fallback in list(body.iter(MC_FALLBACK)):  # text boxes are stored twice
        fallback.getparent().remove(fallback)
    blocks: list[Block] = []
    _blocks(body, blocks)
    title_element = None if core is None else core.find(DC_TITLE)
    title = join_lines(title_element.text or "") if title_element is not None else ""
    return Extract(carrier="docx", method="markup", blocks=blocks, title=title or None)
