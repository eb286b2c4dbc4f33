"""Rebuild the intermediate form (Paragraphs and Tables) from recognised pieces on a page."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from harvester.parse.model import Block, Cell, Paragraph, Table
from harvester.parse.ocr.columns import MIN_ROWS, is_table_line, unruled_table
from harvester.parse.ocr.engine import Box, Piece
from harvester.parse.ocr.rules import Grid, GridCell

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
    found = {(id(g), g.cell_at(*_centre(b)).row, g.cell_at(*_centre(b)).col)
             for b in boxes for g in grids if g.contains(*_centre(b))}
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


def _centre(box: Box) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def _glue(left: str, right: str) -> str:
    """Join two runs: no space in Chinese, one space between Latin letters or digits."""
    if left and right and left[-1].isascii() and left[-1].isalnum() \
            and right[0].isascii() and right[0].isalnum():
        return f"{left} {right}"
    return left + right


def group_lines(pieces: list[Piece]) -> list[list[Piece]]:
    """Pieces grouped into text lines (vertical overlap), top to bottom, each left to right."""
    lines: list[list[Piece]] = []
    for piece in sorted(pieces, key=lambda p: _centre(p.box)[1]):
        _, cy = _centre(piece.box)
        last = lines[-1] if lines else None
        if last and min(p.box[1] for p in last) <= cy <= max(p.box[3] for p in last):
            last.append(piece)
        else:
            lines.append([piece])
    return [sorted(line, key=lambda p: p.box[0]) for line in lines]


def line_text(line: list[Piece]) -> str:
    text = ""
    for piece in line:
        text = _glue(text, piece.text)
    return text


def _scaled(box: Box, unit: float) -> tuple[float, float, float, float]:
    return tuple(round(v * unit, 2) for v in box)  # type: ignore[return-value]


def _cell(grid_cell: GridCell, pieces: list[Piece], page: int, unit: float) -> Cell:
    """One table cell from the pieces read inside it; lines joined with newlines like text layers."""
    text = "\n".join(line_text(line) for line in group_lines(pieces))
    confidence = min((p.confidence for p in pieces), default=None)
    return Cell(text, grid_cell.row, grid_cell.col, grid_cell.rowspan, grid_cell.colspan,
                page, _scaled(grid_cell.box, unit), confidence)


def _table(grid: Grid, pieces: list[Piece], page: int, unit: float) -> Table:
    """A Table of physical rows, each listing the merged cells that start in it."""
    inside: dict[tuple[int, int], list[Piece]] = {}
    for piece in pieces:
        cell = grid.cell_at(*_centre(piece.box))
        inside.setdefault((cell.row, cell.col), []).append(piece)
    rows: list[list[Cell]] = [[] for _ in range(len(grid.ys) - 1)]
    for grid_cell in grid.cells:
        rows[grid_cell.row].append(_cell(grid_cell, inside.get((grid_cell.row, grid_cell.col), []),
                                         page, unit))
    return Table(index=0, rows=rows, page=page)


def _paragraphs(lines: list[list[Piece]], page: int) -> list[tuple[int, Paragraph]]:
    """Lines of prose, with wrapped lines of one paragraph joined; keyed by their top."""
    if not lines:
        return []
    right_margin = max(line[-1].box[2] for line in lines)
    out: list[tuple[int, Paragraph]] = []
    previous: list[Piece] | None = None
    for line in lines:
        top, height = line[0].box[1], max(p.box[3] - p.box[1] for p in line)
        # A line that ran to the right margin and is followed closely continues there.
        wrapped = (previous is not None
                   and previous[-1].box[2] >= right_margin - 2 * height
                   and top - max(p.box[3] for p in previous) < height)
        if wrapped:
            out[-1][1].text = _glue(out[-1][1].text, line_text(line))
        else:
            out.append((top, Paragraph(line_text(line), page)))
        previous = line
    return out


def _text_blocks(pieces: list[Piece], page: int, unit: float) -> list[tuple[int, Block]]:
    """Prose and unruled tables from pieces outside ruled grids, keyed by their top."""
    lines = group_lines(pieces)
    placed: list[tuple[int, Block]] = []
    run: list[list[Piece]] = []  # consecutive lines of the same kind
    for line in lines + [[]]:  # the empty sentinel flushes the last run
        if run and (not line or is_table_line(line) != is_table_line(run[0])):
            if is_table_line(run[0]) and len(run) >= MIN_ROWS:
                placed.append((run[0][0].box[1], unruled_table(run, page, unit)))
            else:
                placed.extend(_paragraphs(run, page))
            run = []
        if line:
            run.append(line)
    return placed


def build_blocks(pieces: list[Piece], grids: list[Grid], page: int, unit: float) -> list[Block]:
    """Paragraphs and Tables of one page in reading order (top to bottom)."""
    by_grid: dict[int, list[Piece]] = {}
    prose: list[Piece] = []
    for piece in pieces:
        cx, cy = _centre(piece.box)
        owner = next((i for i, g in enumerate(grids) if g.contains(cx, cy)), None)
        if owner is None:
            prose.append(piece)
        else:
            by_grid.setdefault(owner, []).append(piece)
    placed = _text_blocks(prose, page, unit)
    for i, grid in enumerate(grids):
        inside = by_grid.get(i, [])
        if len(grid.cells) == 1:
            # A single-cell grid is a frame around text, not a table.
            placed.extend(_paragraphs(group_lines(inside), page))
        elif inside:
            placed.append((grid.ys[0], _table(grid, inside, page, unit)))
    placed.sort(key=lambda item: item[0])
    return [block for _, block in placed]
