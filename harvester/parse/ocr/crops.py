"""Which boxes to read: detected lines cut at rules, plus cells detection missed (ruled or not)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from harvester.parse.ocr.engine import Piece
from harvester.parse.ocr.geometry import Box, centre
from harvester.parse.ocr.layout import unruled_tables
from harvester.parse.ocr.rules import Grid
from harvester.parse.ocr.unruled import blank_value_boxes

RULE_GAP_PX = 3  # keep crops this far from a rule so its antialiased edge is not read as "1"
MIN_CROP_PX = 6
MIN_INK_PX = 20  # a cell with less ink than a small "0" holds only dust
INK_LEVEL = 128


def cut_at_rules(boxes: Iterable[Box], grids: list[Grid]) -> list[Box]:
    """Split detected text lines wherever a drawn vertical rule crosses them."""
    out: list[Box] = []
    for x0, y0, x1, y1 in boxes:
        centre_y = (y0 + y1) / 2
        grid = next((g for g in grids if g.contains((x0 + x1) / 2, centre_y)), None)
        cuts = grid.rules_across(x0, x1, centre_y) if grid else []
        edges = [x0 - RULE_GAP_PX, *cuts, x1 + RULE_GAP_PX]
        for left, right in zip(edges, edges[1:]):
            a, b = left + RULE_GAP_PX, right - RULE_GAP_PX
            if b - a >= MIN_CROP_PX:
                out.append((a, y0, b, y1))
    return out


def _ink_lines(ink: np.ndarray, x0: int, y0: int) -> list[Box]:
    """Boxes of the text lines in a cell's ink mask (rows of ink separated by blank rows)."""
    rows = np.flatnonzero(ink.any(axis=1))
    runs = np.split(rows, np.flatnonzero(np.diff(rows) > 2) + 1) if rows.size else []
    boxes = []
    for run in runs:
        cols = np.flatnonzero(ink[run[0]:run[-1] + 1].any(axis=0))
        if run[-1] - run[0] >= MIN_CROP_PX and cols.size:
            boxes.append((x0 + int(cols[0]), y0 + int(run[0]), x0 + int(cols[-1]) + 1,
                          y0 + int(run[-1]) + 1))
    return boxes


def missed_cells(boxes: list[Box], grids: list[Grid], clean: np.ndarray) -> list[Box]:
    """Lines in ruled cells that hold ink but no detected text (a lone "0" is easy to miss)."""
    found = {(id(g), g.cell_at(*centre(b)).row, g.cell_at(*centre(b)).col)
             for b in boxes for g in grids if g.contains(*centre(b))}
    extra: list[Box] = []
    for grid in grids:
        for cell in grid.cells:
            if (id(grid), cell.row, cell.col) in found:
                continue
            x0, y0, x1, y1 = cell.box
            inset = RULE_GAP_PX + 2
            ink = clean[y0 + inset:y1 - inset, x0 + inset:x1 - inset] < INK_LEVEL
            if ink.sum() >= MIN_INK_PX:
                extra.extend(_ink_lines(ink, x0 + inset, y0 + inset))
    return extra


def missed_values(pieces: list[Piece], grids: list[Grid], clean: np.ndarray) -> list[Box]:
    """Lines of ink in the blank value cells of unruled tables (no rules to find cells by)."""
    extra: list[Box] = []
    for lines in unruled_tables(pieces, grids):
        for x0, y0, x1, y1 in blank_value_boxes(lines):
            ink = clean[y0:y1, x0:x1] < INK_LEVEL
            if ink.sum() >= MIN_INK_PX:
                extra.extend(_ink_lines(ink, x0, y0))
    return extra
