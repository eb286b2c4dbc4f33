"""Tables printed without rules: rows are text lines, columns are clustered from box x-positions."""

from __future__ import annotations

from harvester.parse.model import Cell, Table
from harvester.parse.ocr.engine import Piece
from harvester.parse.ocr.geometry import scaled

MIN_COLUMNS = 3  # a line split into this many widely spaced runs is a table row
MIN_ROWS = 2
COLUMN_GAP = 0.8  # gap between runs, in line heights: Chinese runs have none inside them


def is_table_line(line: list[Piece]) -> bool:
    """True when a text line breaks into MIN_COLUMNS runs separated by wide gaps."""
    height = max(p.box[3] - p.box[1] for p in line)
    runs = 1 + sum(1 for a, b in zip(line, line[1:]) if b.box[0] - a.box[2] > COLUMN_GAP * height)
    return runs >= MIN_COLUMNS


def _column_bands(lines: list[list[Piece]]) -> list[tuple[int, int]]:
    """x-intervals of the columns, from the rows split into the most runs (data rows; a
    header often has two labels read as one run, which would merge columns)."""
    widest = max(len(line) for line in lines)
    bands: list[list[int]] = []
    for x0, x1 in sorted((p.box[0], p.box[2]) for line in lines if len(line) == widest
                         for p in line):
        if bands and x0 <= bands[-1][1]:
            bands[-1][1] = max(bands[-1][1], x1)
        else:
            bands.append([x0, x1])
    return [(a, b) for a, b in bands]


def _column_of(piece: Piece, bands: list[tuple[int, int]]) -> int:
    """The band nearest to the piece's centre (0 distance inside a band)."""
    centre = (piece.box[0] + piece.box[2]) / 2
    return min(range(len(bands)), key=lambda i: max(bands[i][0] - centre, centre - bands[i][1], 0))


def unruled_table(lines: list[list[Piece]], page: int, unit: float) -> Table:
    """A Table from consecutive table lines; a piece's column is the band holding its centre."""
    bands = _column_bands(lines)
    rows = []
    for r, line in enumerate(lines):
        cells: dict[int, list[Piece]] = {}
        for piece in line:
            cells.setdefault(_column_of(piece, bands), []).append(piece)
        rows.append([
            Cell("".join(p.text for p in pieces), r, col, page=page,
                 bbox=scaled((pieces[0].box[0], min(p.box[1] for p in pieces),
                              pieces[-1].box[2], max(p.box[3] for p in pieces)), unit),
                 confidence=min(p.confidence for p in pieces))
            for col, pieces in sorted(cells.items())])
    return Table(index=0, rows=rows, page=page)
