"""Tables printed without rules: which text lines form one, and its columns (clustered x-positions)."""

from __future__ import annotations

from harvester.parse.interpret.values import read_value
from harvester.parse.ocr.engine import Piece
from harvester.parse.ocr.lines import bottom, height, top

MIN_COLUMNS = 3  # a line split into this many widely spaced runs is a table row
MIN_ROWS = 2
COLUMN_GAP = 0.8  # gap between runs, in line heights: Chinese runs have none inside them
# Lines of one table sit this close (in line heights); a paragraph or heading keeps more space.
LINE_GAP = 0.6
HEADER_GAP = 2.0  # a header line aligned on a table's columns may sit this far above it

Band = tuple[int, int]  # x-interval of a column


def is_table_line(line: list[Piece]) -> bool:
    """True when a text line breaks into MIN_COLUMNS runs separated by wide gaps, or into a
    label and a value far right of it (a two-column table: "行政许可    447228")."""
    runs = 1 + sum(1 for a, b in zip(line, line[1:])
                   if b.box[0] - a.box[2] > COLUMN_GAP * height(line))
    return runs >= MIN_COLUMNS or (runs == 2 and is_value(line[-1]))


def is_value(piece: Piece) -> bool:
    """A piece the report's reader takes as a value: a number or a printed blank mark."""
    return read_value(piece.text) is not None


def column_bands(lines: list[list[Piece]]) -> list[Band]:
    """x-intervals of the columns, from every piece, narrow ones first: a piece bridging two
    columns (a merged cell, or two header labels read as one run) widens neither."""
    bands: list[list[int]] = []
    for x0, x1 in sorted(((p.box[0], p.box[2]) for line in lines for p in line),
                         key=lambda span: span[1] - span[0]):
        touched = [band for band in bands if x0 <= band[1] and x1 >= band[0]]
        if not touched:
            bands.append([x0, x1])
        elif len(touched) == 1:
            touched[0][0], touched[0][1] = min(touched[0][0], x0), max(touched[0][1], x1)
    return sorted((a, b) for a, b in bands)


def column_of(piece: Piece, bands: list[Band]) -> int:
    """The band nearest to the piece's centre (0 distance inside a band)."""
    centre = (piece.box[0] + piece.box[2]) / 2
    return min(range(len(bands)), key=lambda i: max(bands[i][0] - centre, centre - bands[i][1], 0))


def value_start(lines: list[list[Piece]]) -> float | None:
    """Left edge of the value columns: the leftmost value's left edge (None: no values)."""
    return min((p.box[0] for line in lines for p in line if is_value(p)), default=None)


def in_label_area(piece: Piece, start: float | None) -> bool:
    """True for a piece ending left of every value: part of a row label."""
    return start is not None and piece.box[2] < start


def _label_end(table: list[list[Piece]], after: list[Piece] | None) -> float | None:
    """value_start of the table; while every row so far is blank, of the line after (the value
    columns a label sits left of may first show there)."""
    start = value_start(table)
    return value_start([after]) if start is None and after is not None else start


def _fits(line: list[Piece], table: list[list[Piece]], after: list[Piece] | None = None) -> bool:
    """True when no piece of the line runs across a column gap right of the labels (wrapped
    labels may cross the gaps between label columns; a heading or prose line crosses columns)."""
    bands, start = column_bands(table), _label_end(table, after)
    return all(in_label_area(piece, start)
               or sum(1 for a, b in bands if piece.box[0] < b and piece.box[2] > a) <= 1
               for piece in line)


def _close(upper: list[Piece], lower: list[Piece]) -> bool:
    return top(lower) - bottom(upper) <= LINE_GAP * height(upper)


def _heads_columns(line: list[Piece], table: list[list[Piece]]) -> bool:
    """True for the header line of a ruled table's text: each of its pieces starts or is
    centred where a piece of the table's first line is, and it sits within HEADER_GAP line
    heights above it (a ruled table pads its rows, so its header is not close)."""
    first = table[0]
    tolerance = height(line) / 4

    def aligned(piece: Piece) -> bool:
        return any(abs(piece.box[0] - p.box[0]) <= tolerance
                   or abs(piece.box[0] + piece.box[2] - p.box[0] - p.box[2]) <= 2 * tolerance
                   for p in first)
    return (top(first) - bottom(line) <= HEADER_GAP * height(line)
            and len(line) > 1 and all(aligned(piece) for piece in line))


def _within(line: list[Piece], table: list[list[Piece]]) -> bool:
    """True when the line starts right of the table's left edge and ends left of its right edge."""
    left, right = min(p.box[0] for row in table for p in row), max(p.box[2] for row in table for p in row)
    return line[0].box[0] > left and line[-1].box[2] < right


def _joins_below(line: list[Piece], table: list[list[Piece]], after: list[Piece] | None) -> bool:
    """A table line continues the table; another line does when it sits close and in its columns."""
    return is_table_line(line) or (_close(table[-1], line) and _fits(line, table, after))


def _middle(line: list[Piece]) -> float:
    return (line[0].box[0] + line[-1].box[2]) / 2


def _aligned(line: list[Piece], heading: list[Piece]) -> bool:
    """True when the line is centred like a one-piece heading (within one line height)."""
    return len(heading) == 1 and abs(_middle(line) - _middle(heading)) <= height(heading)


def _heads_below(line: list[Piece], table: list[list[Piece]], after: list[Piece] | None) -> bool:
    """True for the heading of a sub-table printed below the table: a line inside the table's
    width, close under it, across its columns or centred like the heading the table began
    with, and closely followed by a line in the table's columns."""
    return (after is not None and _close(table[-1], line) and _within(line, table)
            and (not _fits(line, table, after) or _aligned(line, table[0]))
            and _close(line, after) and (is_table_line(after) or _fits(after, table)))


def table_runs(lines: list[list[Piece]]) -> list[tuple[bool, list[list[Piece]]]]:
    """Lines split into runs of prose and of table rows (is_table, lines), top to bottom.

    A table starts at a line broken into columns and takes in the neighbouring lines that sit
    in its columns: header lines with few cells, wrapped label lines, rows with blank cells.
    A heading printed across a table's columns starts the next table (a sub-table with columns
    of its own).
    """
    runs: list[tuple[bool, list[list[Piece]]]] = []
    for line, after in zip(lines, [*lines[1:], None]):
        last = runs[-1] if runs else None
        if last and last[0] and _heads_below(line, last[1], after):
            runs.append((True, [line]))
        elif last and last[0] and _joins_below(line, last[1], after):
            last[1].append(line)
        elif is_table_line(line):
            table = [line]
            while last and not last[0] and last[1] and _fits(last[1][-1], table) and (
                    _close(last[1][-1], table[0]) or _heads_columns(last[1][-1], table)):
                table.insert(0, last[1].pop())
            if last and not last[1]:
                runs.pop()
            runs.append((True, table))
        elif last and not last[0]:
            last[1].append(line)
        else:
            runs.append((False, [line]))
    return runs
