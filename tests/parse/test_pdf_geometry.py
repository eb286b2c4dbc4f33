"""What real producers (WPS, Word) draw, read back as the table that was printed.

Each PDF is drawn here with reportlab the way a real producer draws it: rules as thin
strokes or as filled bars, filled rectangles behind prose and inside shaded cells, glyphs
set with a huge Tf size under a tiny matrix (WPS). The table read must be the one drawn.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from harvester.parse.carriers.pdf import extract

COLUMNS = [100.0, 200.0, 300.0, 400.0]
ROWS = [700.0, 670.0, 640.0, 610.0]  # PDF y of each rule, top to bottom
VALUES = [["11", "12", "13"], ["21", "22", "23"], ["31", "32", "33"]]


def stroked_rules(canvas: Canvas) -> None:
    canvas.setLineWidth(0.48)
    for y in ROWS:
        canvas.line(COLUMNS[0], y, COLUMNS[-1], y)
    for x in COLUMNS:
        canvas.line(x, ROWS[0], x, ROWS[-1])


def filled_bar_rules(canvas: Canvas) -> None:
    for y in ROWS:
        canvas.rect(COLUMNS[0], y - 0.25, COLUMNS[-1] - COLUMNS[0], 0.5, stroke=0, fill=1)
    for x in COLUMNS:
        canvas.rect(x - 0.25, ROWS[-1], 0.5, ROWS[0] - ROWS[-1], stroke=0, fill=1)


def plain_text(canvas: Canvas, x: float, y: float, text: str) -> None:
    canvas.setFont("Helvetica", 10)
    canvas.drawString(x, y, text)


def wps_scaled_text(canvas: Canvas, x: float, y: float, text: str) -> None:
    """WPS: `/F 199 Tf` under a 0.05 matrix, a 10 pt glyph on the page."""
    canvas.saveState()
    canvas.transform(0.05, 0, 0, 0.05, x, y)
    canvas.setFont("Helvetica", 200)
    canvas.drawString(0, 0, text)
    canvas.restoreState()


def shading(canvas: Canvas) -> None:
    """A white background behind a prose line, and cell shading inset in the middle row."""
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(80, 720, 440, 28, stroke=0, fill=1)
    canvas.setFillColorRGB(0.8, 0.85, 0.95)
    canvas.rect(COLUMNS[0] + 2, ROWS[1] - 15, COLUMNS[-1] - COLUMNS[0] - 4, 13, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)


def white_stroke_frame(canvas: Canvas) -> None:
    """A border WPS switched off: stroked in white across the middle of every row."""
    canvas.saveState()
    canvas.setStrokeColorRGB(1, 1, 1)
    canvas.setLineWidth(0.48)
    for y in ROWS[:-1]:
        canvas.line(COLUMNS[0], y - 15, COLUMNS[-1], y - 15)
    canvas.restoreState()


def draw(rules: Callable[[Canvas], None], text: Callable[[Canvas, float, float, str], None],
         extras: list[Callable[[Canvas], None]]) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    for extra in extras:
        extra(canvas)
    text(canvas, 90, 730, "Prose line above the table")
    rules(canvas)
    for r, row in enumerate(VALUES):
        for c, value in enumerate(row):
            text(canvas, COLUMNS[c] + 40, ROWS[r] - 20, value)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


CASES = {
    "stroked": (stroked_rules, plain_text, []),
    "filled-bars": (filled_bar_rules, plain_text, []),
    "shaded-cells-and-backgrounds": (stroked_rules, plain_text, [shading]),
    "white-strokes": (stroked_rules, plain_text, [white_stroke_frame]),
    "wps-scaled-font": (stroked_rules, wps_scaled_text, [shading]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_table_read_is_the_table_drawn(case: str) -> None:
    result = extract(draw(*CASES[case]))
    tables = result.tables()
    assert len(tables) == 1, [[c.text for row in t.rows for c in row] for t in tables]
    read = [[(cell.row, cell.col, cell.text) for cell in row] for row in tables[0].rows]
    drawn = [[(r, c, value) for c, value in enumerate(row)] for r, row in enumerate(VALUES)]
    assert read == drawn
    assert [p.text for p in result.paragraphs()] == ["Prose line above the table"]
