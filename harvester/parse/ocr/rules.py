"""Ruled tables on a page image: find the rules with OpenCV and turn them into a cell grid.

A grid keeps, for every boundary between two grid columns (rows), in which grid rows
(columns) the rule is actually drawn; a missing rule means a merged cell.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import cv2
import numpy as np

from harvester.parse.ocr.geometry import Box

# Antialiased 0.5 pt rules render mid-grey; 180 keeps them while paper stays white.
INK_LEVEL = 180
# Rules closer than this (pixels) are one rule drawn double or thick.
SAME_RULE_PX = 8
# A rule counts as drawn along a cell side when it covers this share of the side.
DRAWN_SHARE = 0.5


@dataclass
class GridCell:
    """A cell of the grid after merging, in grid rows/columns and page pixels."""

    row: int
    col: int
    rowspan: int
    colspan: int
    box: Box


@dataclass
class Grid:
    """One ruled table: rule positions, which rule segments are drawn, and the merged cells."""

    xs: list[int]
    ys: list[int]
    vdrawn: np.ndarray  # [len(xs), rows]: vertical rule k drawn in grid row r
    hdrawn: np.ndarray  # [len(ys), cols]: horizontal rule k drawn in grid column c
    cells: list[GridCell]

    @property
    def box(self) -> Box:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def contains(self, x: float, y: float) -> bool:
        return self.xs[0] <= x < self.xs[-1] and self.ys[0] <= y < self.ys[-1]

    def row_at(self, y: float) -> int:
        return min(max(bisect_right(self.ys, y) - 1, 0), len(self.ys) - 2)

    def col_at(self, x: float) -> int:
        return min(max(bisect_right(self.xs, x) - 1, 0), len(self.xs) - 2)

    def cell_at(self, x: float, y: float) -> GridCell:
        """The merged cell covering a point inside the grid."""
        r, c = self.row_at(y), self.col_at(x)
        return next(cell for cell in self.cells
                    if cell.row <= r < cell.row + cell.rowspan
                    and cell.col <= c < cell.col + cell.colspan)

    def rules_across(self, x0: int, x1: int, y: float) -> list[int]:
        """x of the vertical rules drawn strictly inside [x0, x1] on the grid row at y."""
        r = self.row_at(y)
        return [x for k, x in enumerate(self.xs) if x0 < x < x1 and self.vdrawn[k, r]]


def rule_masks(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical rule pixels: ink runs far longer than any glyph stroke."""
    h, w = gray.shape
    ink = np.where(gray < INK_LEVEL, 255, 0).astype(np.uint8)
    h_len, v_len = max(30, w // 40), max(15, h // 80)
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN,
                                  cv2.getStructuringElement(cv2.MORPH_RECT, (h_len, 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN,
                                cv2.getStructuringElement(cv2.MORPH_RECT, (1, v_len)))
    return horizontal, vertical


def _positions(hits: np.ndarray, minimum: int) -> list[int]:
    """Centres of runs of indices whose hit count reaches `minimum` (one per rule)."""
    idx = np.flatnonzero(hits >= minimum)
    groups: list[list[int]] = []
    for i in idx:
        if groups and i - groups[-1][-1] <= SAME_RULE_PX:
            groups[-1].append(int(i))
        else:
            groups.append([int(i)])
    return [round(sum(g) / len(g)) for g in groups]


def _drawn(mask: np.ndarray, at: int, start: int, end: int, vertical: bool) -> bool:
    """Whether the rule at `at` covers most of the span start..end."""
    margin = (end - start) // 5
    lo, hi = start + margin, max(end - margin, start + margin + 1)
    strip = mask[lo:hi, max(at - 4, 0):at + 5] if vertical else mask[max(at - 4, 0):at + 5, lo:hi]
    covered = strip.any(axis=1 if vertical else 0)
    return bool(covered.size) and covered.mean() >= DRAWN_SHARE


def _merge_cells(xs: list[int], ys: list[int], vdrawn: np.ndarray,
                 hdrawn: np.ndarray) -> list[GridCell]:
    """Union grid cells not separated by a drawn rule into merged cells."""
    rows, cols = len(ys) - 1, len(xs) - 1
    parent = list(range(rows * cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(rows):
        for c in range(cols):
            if c + 1 < cols and not vdrawn[c + 1, r]:
                parent[find(r * cols + c)] = find(r * cols + c + 1)
            if r + 1 < rows and not hdrawn[r + 1, c]:
                parent[find(r * cols + c)] = find((r + 1) * cols + c)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(rows):
        for c in range(cols):
            groups.setdefault(find(r * cols + c), []).append((r, c))
    cells = []
    for members in groups.values():
        r0, r1 = min(m[0] for m in members), max(m[0] for m in members)
        c0, c1 = min(m[1] for m in members), max(m[1] for m in members)
        cells.append(GridCell(r0, c0, r1 - r0 + 1, c1 - c0 + 1, (xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1])))
    return sorted(cells, key=lambda cell: (cell.row, cell.col))


def _grid_in(region: Box, horizontal: np.ndarray, vertical: np.ndarray) -> Grid | None:
    """The grid of one connected group of rules, or None when it is not a table."""
    x0, y0, x1, y1 = region
    h_min = max(30, horizontal.shape[1] // 40) * 4 // 5
    v_min = max(15, vertical.shape[0] // 80) * 4 // 5
    ys = [y0 + y for y in _positions((horizontal[y0:y1, x0:x1] > 0).sum(axis=1), h_min)]
    xs = [x0 + x for x in _positions((vertical[y0:y1, x0:x1] > 0).sum(axis=0), v_min)]
    if len(xs) < 2 or len(ys) < 2:
        return None
    # A table cut by a page break has no closing rule: its vertical rules run on past
    # the last (or before the first) horizontal rule, and the open row is still a row.
    drawn_rows = np.flatnonzero((vertical[y0:y1, x0:x1] > 0).any(axis=1)) + y0
    if drawn_rows[-1] - ys[-1] > 2 * SAME_RULE_PX:
        ys.append(int(drawn_rows[-1]))
    if ys[0] - drawn_rows[0] > 2 * SAME_RULE_PX:
        ys.insert(0, int(drawn_rows[0]))
    rows, cols = len(ys) - 1, len(xs) - 1
    vdrawn = np.array([[_drawn(vertical, x, ys[r], ys[r + 1], True) for r in range(rows)]
                       for x in xs], dtype=bool).reshape(len(xs), rows)
    hdrawn = np.array([[_drawn(horizontal, y, xs[c], xs[c + 1], False) for c in range(cols)]
                       for y in ys], dtype=bool).reshape(len(ys), cols)
    return Grid(xs, ys, vdrawn, hdrawn, _merge_cells(xs, ys, vdrawn, hdrawn))


def find_grids(gray: np.ndarray) -> tuple[list[Grid], np.ndarray]:
    """Ruled tables on the page, top to bottom, and the mask of all rule pixels."""
    horizontal, vertical = rule_masks(gray)
    rules = cv2.bitwise_or(horizontal, vertical)
    joined = cv2.dilate(rules, np.ones((5, 5), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined)
    grids = []
    for i in range(1, count):
        x, y, w, h = (int(v) for v in stats[i, :4])
        if w < gray.shape[1] // 8 or h < 20:
            continue
        grid = _grid_in((x, y, x + w, y + h), horizontal, vertical)
        if grid is not None:
            grids.append(grid)
    grids.sort(key=lambda g: g.ys[0])
    # Only rules of real tables are erased: a big bold title has stroke runs as long as rules.
    erase = np.zeros_like(rules)
    for grid in grids:
        x0, y0, x1, y1 = grid.box
        area = slice(max(y0 - 4, 0), y1 + 5), slice(max(x0 - 4, 0), x1 + 5)
        erase[area] = rules[area]
    return grids, cv2.dilate(erase, np.ones((3, 3), np.uint8))
