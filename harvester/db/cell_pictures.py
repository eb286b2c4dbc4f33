"""Where a fact was printed, shown from the archived bytes: the PDF page (or the scanned
picture) rendered with the cell's box drawn on it, the archived HTML page with the cell
marked, or, for a Word or text file, its table as the carrier reads it with the cell marked.
Rendered on request from the blob; the position is the parser's (`facts.source_cell`: page
and bbox in the carrier's units, PDF points or picture pixels; table, row and column).
"""

from __future__ import annotations

import functools
import html
import importlib
import io
import math
from typing import Any

import lxml.html
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageSequence

from harvester.parse import CARRIERS
from harvester.parse.carriers.html import find_cell
from harvester.parse.model import Table

PDF_SCALE = 2.0  # 144 dpi: the digits of a table cell stay legible
MAX_PIXELS = 12_000_000  # a rendered page or picture never exceeds this (memory per request)
BOX_COLOUR = (220, 30, 30)
BOX_WIDTH = 4
CONTEXT_ROWS = 6  # a picture is cropped to the cell's band: its row and a few rows around it
CELL_ID = "harvester-cell"
CELL_STYLE = "outline: 4px solid #dc1e1e; background: #fff3a0;"
PICTURE_CARRIERS = ("pdf", "image")
TABLE_CARRIERS = ("docx", "doc", "text")  # no page to draw on: the table as read


class NoPicture(Exception):
    """The fact's source cannot be shown (no position recorded, or a carrier without pictures)."""


def show(carrier: str, data: bytes, where: dict[str, Any]) -> tuple[bytes, str]:
    """(body, content type) showing where `where` points in the archived bytes `data`."""
    if carrier in PICTURE_CARRIERS:
        if not where.get("bbox") or not where.get("page"):
            raise NoPicture("the parser recorded no box for this cell")
        draw = pdf_page_with_box if carrier == "pdf" else picture_with_box
        return draw(data, where["page"], where["bbox"]), "image/png"
    if carrier == "html":
        return html_with_cell(data, where["table"], where["row"], where["col"]), "text/html; charset=utf-8"
    if carrier in TABLE_CARRIERS:
        return table_with_cell(carrier, data, where["table"], where["row"], where["col"]), "text/html; charset=utf-8"
    raise NoPicture(f"a {carrier} file is not shown here: table {where.get('table')}, "
                    f"row {where.get('row')}, column {where.get('col')} of the archived file")


def pdf_page_with_box(data: bytes, page: int, bbox: list[float]) -> bytes:
    """PNG of PDF page `page` (1-based) with the box (x0, top, x1, bottom, points) drawn on it."""
    pdf = pdfium.PdfDocument(data)
    try:
        if not 1 <= page <= len(pdf):
            raise NoPicture(f"the file has no page {page}")
        pdf_page = pdf[page - 1]
        width, height = pdf_page.get_size()
        scale = min(PDF_SCALE, math.sqrt(MAX_PIXELS / max(width * height, 1)))
        image = pdf_page.render(scale=scale).to_pil().convert("RGB")
        pdf_page.close()
    finally:
        pdf.close()
    _draw_box(image, bbox, scale)
    return _png(image)


def picture_with_box(data: bytes, page: int, bbox: list[float]) -> bytes:
    """PNG of frame `page` (1-based) of a picture with the box (pixels) drawn on it, cropped
    to the cell's band (picture_crop)."""
    with Image.open(io.BytesIO(data)) as picture:
        frames = ImageSequence.Iterator(picture)
        try:
            frame = frames[page - 1]
        except IndexError as error:
            raise NoPicture(f"the picture has no frame {page}") from error
        image = frame.convert("RGB")
    scale = min(1.0, math.sqrt(MAX_PIXELS / max(image.width * image.height, 1)))
    if scale < 1:
        image = image.resize((int(image.width * scale), int(image.height * scale)))
    _draw_box(image, bbox, scale)
    return _png(image.crop(picture_crop([v * scale for v in bbox], image.size)))


def picture_crop(bbox: list[float], size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The band of a picture shown around a cell: the full width, CONTEXT_ROWS cell heights above and below."""
    _, top, _, bottom = bbox
    context = CONTEXT_ROWS * max(bottom - top, 1)
    return 0, max(int(top - context), 0), size[0], min(int(bottom + context), size[1])


def _draw_box(image: Image.Image, bbox: list[float], scale: float) -> None:
    x0, top, x1, bottom = (v * scale for v in bbox)
    margin = BOX_WIDTH
    ImageDraw.Draw(image).rectangle((x0 - margin, top - margin, x1 + margin, bottom + margin),
                                    outline=BOX_COLOUR, width=BOX_WIDTH)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def html_with_cell(data: bytes, table: int, row: int, col: int) -> bytes:
    """The archived page as UTF-8 HTML with the cell outlined and given id CELL_ID."""
    root, cell = find_cell(data, table, row, col)
    if cell is None:
        raise NoPicture(f"the page has no cell at table {table}, row {row}, column {col}")
    cell.set("id", CELL_ID)
    cell.set("style", CELL_STYLE + (cell.get("style") or ""))
    for meta in list(root.iter("meta")):  # the page is sent as UTF-8 whatever it declared
        if meta.get("charset") or (meta.get("http-equiv") or "").lower() == "content-type":
            meta.getparent().remove(meta)
    return b"<!DOCTYPE html>\n" + lxml.html.tostring(root, encoding="utf-8")


def table_with_cell(carrier: str, data: bytes, table: int, row: int, col: int) -> bytes:
    """The file's table `table` as its carrier reads it (spans kept), the cell marked with CELL_ID."""
    found = [t for t in _tables(carrier, data) if t.index == table]
    if not found:
        raise NoPicture(f"the file has no table {table}")
    return (f"<!DOCTYPE html>\n<meta charset=\"utf-8\"><title>Table {table} of the archived {carrier} file"
            f"</title>\n<p>Table {table} of the archived {carrier} file, as harvester reads it:</p>\n"
            + _table_html(found[0], row, col)).encode("utf-8")


@functools.lru_cache(maxsize=16)  # a DOC is read by LibreOffice: seconds, once per file
def _tables(carrier: str, data: bytes) -> tuple[Table, ...]:
    return tuple(importlib.import_module(CARRIERS[carrier]).extract(data).tables())


def _table_html(table: Table, row: int, col: int) -> str:
    rows = []
    for cells in table.rows:
        tds = []
        for cell in cells:
            marked = f' id="{CELL_ID}" style="{CELL_STYLE}"' if (cell.row, cell.col) == (row, col) else ""
            tds.append(f'<td rowspan="{cell.rowspan}" colspan="{cell.colspan}"{marked}>'
                       f"{html.escape(cell.text)}</td>")
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return '<table border="1" cellspacing="0">\n' + "\n".join(rows) + "\n</table>\n"

