"""DOCX carrier: body paragraphs and tables in document order, merged cells once with spans.

python-docx repeats a merged cell in every grid slot it covers, so tables are read from
the WordprocessingML itself: w:gridSpan gives the colspan, a w:vMerge without
val="restart" continues the cell above (its rowspan grows; the continuation is dropped).
"""

from __future__ import annotations

import io
import zipfile

import docx
import lxml.etree
from docx.opc.exceptions import OpcError

from harvester.parse.carriers.textnorm import join_lines
from harvester.parse.errors import UnreadableFile
from harvester.parse.limits import check_zip
from harvester.parse.model import Block, Cell, Extract, Paragraph, Table

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
P, TBL, TR, TC, SDT = (f"{{{W}}}{name}" for name in ("p", "tbl", "tr", "tc", "sdt"))
# Runs' text parts; w:delText (tracked deletions) and w:instrText (field codes) are not printed.
TEXT_PARTS = {f"{{{W}}}t": None, f"{{{W}}}tab": " ", f"{{{W}}}br": "\n", f"{{{W}}}cr": "\n"}


def _val(element: lxml.etree._Element, path: str) -> str | None:
    """The w:val attribute of the first match of path under element."""
    found = element.find(path, {"w": W})
    return None if found is None else found.get(f"{{{W}}}val", "")


def _int(value: str | None, default: int) -> int:
    """A small non-negative int from an attribute (junk -> default)."""
    return min(int(value), 1000) if value and value.isdigit() else default


def paragraph_text(p: lxml.etree._Element) -> str:
    """The printed text of a w:p (text boxes' fallback copies skipped)."""
    parts: list[str] = []
    for node in p.iter(*TEXT_PARTS):
        if any(a.tag == MC_FALLBACK for a in node.iterancestors()):
            continue
        parts.append(node.text or "" if TEXT_PARTS[node.tag] is None else TEXT_PARTS[node.tag])
    return "".join(parts)


def _cell_text(tc: lxml.etree._Element) -> str:
    """A cell's paragraphs joined as one printed cell text."""
    return join_lines("\n".join(paragraph_text(p) for p in tc.iter(P)))


def read_table(tbl: lxml.etree._Element, index: int) -> Table:
    """A w:tbl as physical rows; vertically merged cells appear once with their rowspan."""
    rows: list[list[Cell]] = []
    open_cells: dict[int, Cell] = {}  # grid column -> cell a vMerge may continue
    for r, tr in enumerate(tbl.iterchildren(TR)):
        row: list[Cell] = []
        col = _int(_val(tr, "w:trPr/w:gridBefore"), 0)
        for tc in tr.iterchildren(TC):
            colspan = max(_int(_val(tc, "w:tcPr/w:gridSpan"), 1), 1)
            merge = _val(tc, "w:tcPr/w:vMerge")
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
            content = child.find("w:sdtContent", {"w": W})
            if content is not None:
                _blocks(content, blocks)


def open_document(data: bytes) -> docx.document.Document:
    """python-docx Document for data, after the zip bomb checks; UnreadableFile otherwise."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_zip(archive, len(data))
            if "word/document.xml" not in archive.namelist():
                raise UnreadableFile("zip without word/document.xml: not a DOCX")
        return docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OpcError, KeyError, ValueError,
            lxml.etree.XMLSyntaxError, EOFError, OSError) as error:
        raise UnreadableFile(f"corrupt DOCX: {type(error).__name__}: {error}") from error


def extract(data: bytes) -> Extract:
    """Read a DOCX into paragraphs and tables (method "markup")."""
    document = open_document(data)
    blocks: list[Block] = []
    _blocks(document.element.body, blocks)
    title = join_lines(document.core_properties.title or "") or None
    return Extract(carrier="docx", method="markup", blocks=blocks, title=title)
