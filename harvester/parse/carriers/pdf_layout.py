"""One PDF page read with pypdfium2 into the objects pdfplumber's geometry works on.

pdfplumber's table finder (`pdfplumber.table`) and text lines (`pdfplumber.utils.text`)
only need characters and ruling edges as dicts in top-left coordinates. Producing them
with pdfminer's pure-Python content parser was ~80% of a report's parse time; pdfium
reads the same page in C. Coordinates follow pdfplumber: x from the left, `top`/`bottom`
from the top of the MediaBox, in points.
"""

from __future__ import annotations

import ctypes
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from harvester.parse.limits import MAX_PAGE_CHARS, MAX_PAGE_OBJECTS

Point = tuple[float, float]
Matrix = tuple[float, float, float, float, float, float]  # a, b, c, d, e, f as in PDF
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
MAX_FORM_DEPTH = 8  # nested Form XObjects; deeper nesting is pathological
AXIS_TOLERANCE = 0.01  # points; a segment this close to level/plumb is a ruling line
ANGLE_TOLERANCE = 0.01  # radians; a glyph turned less than this is upright
SAME_LINE_TOLERANCE = 0.5  # points between baselines of characters on one line
# A space glyph is >= 0.25 em wide; the automatic gap Word and LibreOffice leave between
# Chinese and Western characters ("2019年") is 0.2 em and is not a printed space.
MIN_SPACE_EM = 0.23
MAX_BAR = 2.0  # points; a filled rectangle thinner than this is a rule drawn as a bar
WHITE = 250  # a stroke with every channel at or above this prints nothing on white paper
UNMAPPED = "\ufffd"  # a glyph without a Unicode mapping (pdfminer spelled it "(cid:N)")


@dataclass
class PageLayout:
    """Characters, ruling edges and image count of one page, duck-typed as a pdfplumber page."""

    bbox: tuple[float, float, float, float]
    chars: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    images: int
    unmapped: int  # glyphs whose font has no Unicode mapping for them
    counted: int = 0  # characters pdfium counts on the page; past MAX_PAGE_CHARS only those are read
    objects: int = 0  # page objects on the page; past MAX_PAGE_OBJECTS only those are looked at


def read_layout(page: pdfium.PdfPage) -> PageLayout:
    """Characters and ruling edges of `page` in pdfplumber's coordinates."""
    left, bottom, right, top = page.get_mediabox()
    chars, unmapped, counted = _chars(page, top)
    edges, images = _edges_and_images(page, top)
    return PageLayout((0.0, 0.0, right - left, top - bottom), chars, edges, images, unmapped, counted,
                      pdfium_c.FPDFPage_CountObjects(page.raw))


def _chars(page: pdfium.PdfPage, page_top: float) -> tuple[list[dict[str, Any]], int, int]:
    """The page's printed characters with em-sized boxes (the first MAX_PAGE_CHARS), how many lack a
    Unicode mapping, and how many pdfium counts."""
    textpage = page.get_textpage()
    raw = textpage.raw
    chars: list[dict[str, Any]] = []
    unmapped = 0
    pending_high = 0  # first half of a UTF-16 surrogate pair (a character outside the BMP)
    generated_space = False
    try:
        counted = pdfium_c.FPDFText_CountChars(raw)
        for index in range(min(counted, MAX_PAGE_CHARS)):
            code = pdfium_c.FPDFText_GetUnicode(raw, index)
            if pdfium_c.FPDFText_IsGenerated(raw, index) == 1:
                # pdfium infers spaces and line breaks from gaps, and sometimes replaces a
                # printed space by its own zero-width one: restored below when a gap follows.
                generated_space = code == 0x20
                continue
            if 0xD800 <= code < 0xDC00:
                pending_high = code
                continue
            if 0xDC00 <= code < 0xE000:
                if not pending_high:
                    continue
                code = 0x10000 + ((pending_high - 0xD800) << 10) + (code - 0xDC00)
            pending_high = 0
            if pdfium_c.FPDFText_HasUnicodeMapError(raw, index) == 1:
                text, unmapped = UNMAPPED, unmapped + 1
            elif code < 0x20:
                continue  # control codes carry no printed text
            else:
                text = chr(code)
            char = _char(raw, index, page_top, text)
            if generated_space and chars:
                _restore_space(chars, char)
            generated_space = False
            chars.append(char)
    finally:
        textpage.close()
    return chars, unmapped, counted


def _char(raw: Any, index: int, page_top: float, text: str) -> dict[str, Any]:
    """Character `index` of a text page as a pdfplumber char."""
    box = pdfium_c.FS_RECTF()
    origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
    pdfium_c.FPDFText_GetLooseCharBox(raw, index, box)
    pdfium_c.FPDFText_GetCharOrigin(raw, index, origin_x, origin_y)
    size = _printed_size(raw, index)
    angle = pdfium_c.FPDFText_GetCharAngle(raw, index)
    # One em above the baseline, as pdfminer boxes them: characters of a line share a top
    # whatever their font, which the line grouping relies on ("。" in a CJK line).
    bottom = page_top - origin_y.value
    top = bottom - size
    return {"text": text, "x0": box.left, "x1": box.right, "top": top, "bottom": bottom,
            "doctop": top, "width": box.right - box.left, "height": size, "size": size,
            # pdfium reports -1 when it cannot tell; only a turned glyph is not upright
            "upright": angle <= 0 or min(angle, 2 * math.pi - angle) < ANGLE_TOLERANCE}


def _printed_size(raw: Any, index: int) -> float:
    """The character's size on the page: the Tf size scaled by its text and page matrices.

    WPS writes `/F1 199 Tf` under a 0.05 text matrix: pdfium's font size is then 199 for
    a 10 pt glyph, and a box of that height would put the character rows above its own.
    """
    matrix = pdfium_c.FS_MATRIX()
    size = pdfium_c.FPDFText_GetFontSize(raw, index)
    if not pdfium_c.FPDFText_GetMatrix(raw, index, matrix):
        return size
    scale = math.sqrt(abs(matrix.a * matrix.d - matrix.b * matrix.c))
    return size * scale if scale > 0 else size


def _restore_space(chars: list[dict[str, Any]], following: dict[str, Any]) -> None:
    """Put back a printed space pdfium dropped, spanning the gap before `following` on its line."""
    previous = chars[-1]
    same_line = abs(previous["bottom"] - following["bottom"]) < SAME_LINE_TOLERANCE
    if same_line and following["x0"] - previous["x1"] >= MIN_SPACE_EM * following["size"]:
        chars.append({**following, "text": " ", "x0": previous["x1"],
                      "width": following["x0"] - previous["x1"]})


def _children(container: Any, matrix: Matrix, depth: int) -> Iterator[tuple[Any, Matrix]]:
    """Every page object under `container` (page or form) with its matrix to page space."""
    if depth == 0:
        count, get = pdfium_c.FPDFPage_CountObjects, pdfium_c.FPDFPage_GetObject
    else:
        count, get = pdfium_c.FPDFFormObj_CountObjects, pdfium_c.FPDFFormObj_GetObject
    fs_matrix = pdfium_c.FS_MATRIX()
    for index in range(min(max(count(container), 0), MAX_PAGE_OBJECTS)):
        obj = get(container, index)
        if not obj or not pdfium_c.FPDFPageObj_GetMatrix(obj, fs_matrix):
            continue
        own = _compose((fs_matrix.a, fs_matrix.b, fs_matrix.c, fs_matrix.d, fs_matrix.e,
                        fs_matrix.f), matrix)
        yield obj, own
        if (pdfium_c.FPDFPageObj_GetType(obj) == pdfium_c.FPDF_PAGEOBJ_FORM
                and depth < MAX_FORM_DEPTH):
            yield from _children(obj, own, depth + 1)


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    """The matrix applying `inner` first, then `outer`."""
    a, b, c, d, e, f = inner
    a2, b2, c2, d2, e2, f2 = outer
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def _segments(path: Any, matrix: Matrix) -> Iterator[tuple[Point, Point]]:
    """The straight segments of a path object, in page space (curves are never table rules)."""
    x, y = ctypes.c_float(), ctypes.c_float()
    a, b, c, d, e, f = matrix
    start = previous = None
    for index in range(max(pdfium_c.FPDFPath_CountSegments(path), 0)):
        segment = pdfium_c.FPDFPath_GetPathSegment(path, index)
        if not segment or not pdfium_c.FPDFPathSegment_GetPoint(segment, x, y):
            continue
        point = (a * x.value + c * y.value + e, b * x.value + d * y.value + f)
        kind = pdfium_c.FPDFPathSegment_GetType(segment)
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO:
            start = previous = point
            continue
        if kind == pdfium_c.FPDF_SEGMENT_LINETO and previous is not None:
            yield previous, point
        previous = point
        if pdfium_c.FPDFPathSegment_GetClose(segment) and start is not None:
            yield point, start
            previous = start


def _edge(p0: Point, p1: Point, page_top: float) -> dict[str, Any] | None:
    """A horizontal or vertical segment as a pdfplumber edge; None for slanted ones."""
    (x0, y0), (x1, y1) = p0, p1
    if abs(y0 - y1) <= AXIS_TOLERANCE and abs(x0 - x1) > AXIS_TOLERANCE:
        top = page_top - (y0 + y1) / 2
        left, right = min(x0, x1), max(x0, x1)
        return {"x0": left, "x1": right, "top": top, "bottom": top, "doctop": top,
                "width": right - left, "height": 0.0, "orientation": "h", "object_type": "line"}
    if abs(x0 - x1) <= AXIS_TOLERANCE and abs(y0 - y1) > AXIS_TOLERANCE:
        x = (x0 + x1) / 2
        top, bottom = page_top - max(y0, y1), page_top - min(y0, y1)
        return {"x0": x, "x1": x, "top": top, "bottom": bottom, "doctop": top, "width": 0.0,
                "height": bottom - top, "orientation": "v", "object_type": "line"}
    return None


def _is_ruling(path: Any, matrix: Matrix) -> bool:
    """A path that prints a table rule: a visible stroke, or a filled bar at most MAX_BAR thick.

    WPS fills rectangles behind prose lines and inside shaded cells; their edges are not
    rules, and taken as rules they add rows to a table and split its cells.
    """
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    if not pdfium_c.FPDFPath_GetDrawMode(path, fill_mode, stroke):
        return False
    if stroke.value:
        return _visible_stroke(path)
    if fill_mode.value == pdfium_c.FPDF_FILLMODE_NONE:
        return False
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    if not pdfium_c.FPDFPageObj_GetBounds(path, left, bottom, right, top):
        return False
    return min(right.value - left.value, top.value - bottom.value) <= MAX_BAR


def _visible_stroke(path: Any) -> bool:
    """False for a stroke painted white or fully transparent (a border switched off)."""
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not pdfium_c.FPDFPageObj_GetStrokeColor(path, r, g, b, a):
        return True
    return a.value > 0 and min(r.value, g.value, b.value) < WHITE


def _edges_and_images(page: pdfium.PdfPage,
                      page_top: float) -> tuple[list[dict[str, Any]], int]:
    """Ruling edges from every path's straight segments, and the number of image objects."""
    edges: list[dict[str, Any]] = []
    images = 0
    for obj, matrix in _children(page.raw, IDENTITY, 0):
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            images += 1
        elif kind == pdfium_c.FPDF_PAGEOBJ_PATH and _is_ruling(obj, matrix):
            for p0, p1 in _segments(obj, matrix):
                edge = _edge(p0, p1, page_top)
                if edge is not None:
                    edges.append(edge)
    return edges, images
