"""Rebuild the intermediate form (Paragraphs and Tables) from recognised pieces on a page."""

from __future__ import annotations

from harvester.parse.model import Block, Cell, Paragraph, Table
from harvester.parse.ocr.columns import MIN_ROWS, table_runs
from harvester.parse.ocr.engine import Piece
from harvester.parse.ocr.geometry import centre, scaled
from harvester.parse.ocr.lines import cell_text, glue, group_lines, line_text
from harvester.parse.ocr.rules import Grid, GridCell
from harvester.parse.ocr.unruled import unruled_table


def _cell(grid_cell: GridCell, pieces: list[Piece], page: int, unit: float) -> Cell:
    """One table cell from the pieces read inside it; lines joined with newlines like text layers."""
    confidence = min((p.confidence for p in pieces), default=None)
    return Cell(cell_text(pieces), grid_cell.row, grid_cell.col, grid_cell.rowspan, grid_cell.colspan,
                page, scaled(grid_cell.box, unit), confidence)


def _table(grid: Grid, pieces: list[Piece], page: int, unit: float) -> Table:
    """A Table of physical rows, each listing the merged cells that start in it."""
    inside: dict[tuple[int, int], list[Piece]] = {}
    for piece in pieces:
        cell = grid.cell_at(*centre(piece.box))
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
            out[-1][1].text = glue(out[-1][1].text, line_text(line))
        else:
            out.append((top, Paragraph(line_text(line), page)))
        previous = line
    return out


def _is_table(is_table: bool, run: list[list[Piece]]) -> bool:
    return is_table and len(run) >= MIN_ROWS


def _text_blocks(pieces: list[Piece], page: int, unit: float) -> list[tuple[int, Block]]:
    """Prose and unruled tables from pieces outside ruled grids, keyed by their top."""
    placed: list[tuple[int, Block]] = []
    for is_table, run in table_runs(group_lines(pieces)):
        if _is_table(is_table, run):
            placed.append((run[0][0].box[1], unruled_table(run, page, unit)))
        else:
            placed.extend(_paragraphs(run, page))
    return placed


def by_grid(pieces: list[Piece], grids: list[Grid]) -> tuple[dict[int, list[Piece]], list[Piece]]:
    """Pieces inside each ruled grid (by grid index), and the pieces outside every grid."""
    inside: dict[int, list[Piece]] = {}
    outside: list[Piece] = []
    for piece in pieces:
        cx, cy = centre(piece.box)
        owner = next((i for i, g in enumerate(grids) if g.contains(cx, cy)), None)
        if owner is None:
            outside.append(piece)
        else:
            inside.setdefault(owner, []).append(piece)
    return inside, outside


def unruled_tables(pieces: list[Piece], grids: list[Grid]) -> list[list[list[Piece]]]:
    """The lines of each table printed without rules on the page."""
    _, outside = by_grid(pieces, grids)
    return [run for is_table, run in table_runs(group_lines(outside)) if _is_table(is_table, run)]


def build_blocks(pieces: list[Piece], grids: list[Grid], page: int, unit: float) -> list[Block]:
    """Paragraphs and Tables of one page in reading order (top to bottom)."""
    by_index, prose = by_grid(pieces, grids)
    placed = _text_blocks(prose, page, unit)
    for i, grid in enumerate(grids):
        inside = by_index.get(i, [])
        if len(grid.cells) == 1:
            # A single-cell grid is a frame around text, not a table.
            placed.extend(_paragraphs(group_lines(inside), page))
        elif inside:
            placed.append((grid.ys[0], _table(grid, inside, page, unit)))
    placed.sort(key=lambda item: item[0])
    return [block for _, block in placed]
