"""Physical rows of a table printed without rules.

A row is anchored on a line that holds values. A line with text only in the label area
(left of every value) is part of a wrapped label and joins a value row; consecutive header
lines (text over the value columns, no values) make one header row. Labels are either
top-aligned (the value line carries the label's first line, later lines follow it) or
vertically centred on the value line (label lines above and below it). A row that prints no
values is only its label lines; a label line that opens a numbered list item ("（一）", "1.")
starts such a row, the label lines after it are its wrapped label.
"""

from __future__ import annotations

import re
from enum import Enum

from harvester.parse.model import Cell, Table
from harvester.parse.ocr.columns import (Band, column_bands, column_of, in_label_area, is_value,
                                         value_start)
from harvester.parse.ocr.engine import Piece
from harvester.parse.ocr.geometry import Box, scaled
from harvester.parse.ocr.lines import bottom, cell_text, height, top

# A centred label's lines below its value line: taken while the label's middle stays this
# close (in line heights) to the value line's middle.
CENTRE_SLACK = 0.25
# The start of a numbered list item: "（一）", "(1)", "一、", "1.", "1、", "①".
ITEM_MARKER = re.compile(r"[（(][一二三四五六七八九十\d]{1,3}[）)]"
                         r"|[一二三四五六七八九十]{1,3}、|\d{1,2}[.．、](?!\d)|[\u2460-\u2473]")

Line = list[Piece]


class Kind(Enum):
    VALUES = "values"
    LABEL = "label"
    HEADER = "header"


def _kind(line: Line, start: float | None) -> Kind:
    if any(is_value(p) for p in line):
        return Kind.VALUES
    if all(in_label_area(p, start) for p in line):
        return Kind.LABEL
    return Kind.HEADER


def _centred(lines: list[Line], kinds: list[Kind], start: float | None) -> bool:
    """True when labels are centred on their value lines: label lines come before the first
    value line, or a value line carries no label although the table has labels."""
    first = kinds.index(Kind.VALUES)
    if first and kinds[first - 1] is Kind.LABEL:
        return True
    return Kind.LABEL in kinds and any(
        kind is Kind.VALUES and not any(in_label_area(p, start) for p in line)
        for line, kind in zip(lines, kinds))


def _keeps(row: list[Line], anchor: Line, line: Line) -> bool:
    """Whether a centred label row still takes `line` below its value line `anchor`."""
    label_middle = (top(row[0]) + bottom(line)) / 2
    value_middle = (top(anchor) + bottom(anchor)) / 2
    return label_middle <= value_middle + CENTRE_SLACK * height(anchor)


def _share(rows: list[list[Line]], anchors: list[Line | None], pending: list[Line],
           centred: bool) -> list[Line]:
    """Give the previous value row the label lines it keeps; return the rest."""
    anchor = anchors[-1] if anchors else None
    if anchor is None:
        return pending
    kept = 0
    while kept < len(pending) and (not centred or _keeps(rows[-1], anchor, pending[kept])):
        rows[-1].append(pending[kept])
        kept += 1
    return pending[kept:]


def _opens_item(line: Line) -> bool:
    """True when a piece of the line begins with a list item marker."""
    return any(ITEM_MARKER.match(p.text.lstrip()) for p in line)


def _items(pending: list[Line]) -> tuple[list[Line], list[list[Line]]]:
    """Label lines cut where a line opens a list item: the lines before the first item, and
    each item's lines."""
    head: list[Line] = []
    items: list[list[Line]] = []
    for line in pending:
        if _opens_item(line):
            items.append([line])
        elif items:
            items[-1].append(line)
        else:
            head.append(line)
    return head, items


def _settle(rows: list[list[Line]], anchors: list[Line | None], pending: list[Line],
            centred: bool, takes_item: bool) -> list[Line]:
    """Place the label lines met before the next value or header line: list items become rows
    of their own (the last one stays with a centred value line when `takes_item`), lines before
    the first item wrap the label above (or open the first item below a header). Returns the
    lines left for the next line's row."""
    head, items = _items(pending)
    if not items:
        return _share(rows, anchors, pending, centred)
    if rows and anchors[-1] is not None:
        rows[-1].extend(head)
    else:
        items[0][:0] = head
    kept = items.pop() if takes_item else []
    for item in items:
        rows.append(item)
        anchors.append(item[0])
    return kept


def group_rows(lines: list[Line]) -> list[list[Line]]:
    """The table's lines grouped into physical rows, top to bottom."""
    start = value_start(lines)
    kinds = [_kind(line, start) for line in lines]
    if Kind.VALUES not in kinds:
        return [[line] for line in lines]
    centred = _centred(lines, kinds, start)
    rows: list[list[Line]] = []
    # Each row's value line, or first label line for a row without values (None for header rows).
    anchors: list[Line | None] = []
    pending: list[Line] = []  # label lines not yet given to a row
    for line, kind in zip(lines, kinds):
        if kind is Kind.LABEL:
            pending.append(line)
            continue
        takes_item = centred and kind is Kind.VALUES and not _opens_item(line)
        pending = _settle(rows, anchors, pending, centred, takes_item)
        if kind is Kind.VALUES:
            rows.append(pending + [line])
            anchors.append(line)
        elif rows and anchors[-1] is None:
            rows[-1].extend(pending + [line])
        else:
            rows.append(pending + [line])
            anchors.append(None)
        pending = []
    if pending:
        rows[-1].extend(_settle(rows, anchors, pending, centred, takes_item=False))
    return rows


def _value_bands(bands: list[Band], start: float | None, lines: list[Line]) -> set[int]:
    """Columns right of the labels (a column left blank in every row is still a column). A
    band holding no value under one header piece with a band that does is a piece of that
    column's header (the second line "业" of a letter-spaced "商业企/业"), not a column."""
    right = {i for i, (x0, x1) in enumerate(bands) if start is not None and (x0 + x1) / 2 >= start}
    pieces = [p for line in lines for p in line]
    holding = {column_of(p, bands) for p in pieces if is_value(p)}
    shadowed: set[int] = set()
    for piece in pieces:
        under = {i for i, (x0, x1) in enumerate(bands) if piece.box[0] < x1 and piece.box[2] > x0}
        if not is_value(piece) and under & holding:
            shadowed |= under - holding
    return right - shadowed


def _cells(row: list[Line], r: int, bands: list[Band], blanks: set[int], page: int,
           unit: float) -> list[Cell]:
    """A row's cells by column band; a value row's empty value columns are blank cells."""
    by_column: dict[int, list[Piece]] = {}
    for piece in (p for line in row for p in line):
        by_column.setdefault(column_of(piece, bands), []).append(piece)
    row_top, row_bottom = min(top(line) for line in row), max(bottom(line) for line in row)
    cells = []
    for col in sorted(set(by_column) | blanks):
        pieces = by_column.get(col, [])
        box = ((min(p.box[0] for p in pieces), min(p.box[1] for p in pieces),
                max(p.box[2] for p in pieces), max(p.box[3] for p in pieces)) if pieces
               else (bands[col][0], row_top, bands[col][1], row_bottom))
        cells.append(Cell(cell_text(pieces), r, col, page=page, bbox=scaled(box, unit),
                          confidence=min((p.confidence for p in pieces), default=None)))
    return cells


def _is_data(row: list[Line], start: float | None) -> bool:
    """A data row: it holds a value, or prints only a label (its values are all blank)."""
    pieces = [p for line in row for p in line]
    return any(is_value(p) for p in pieces) or all(in_label_area(p, start) for p in pieces)


def unruled_table(lines: list[Line], page: int, unit: float) -> Table:
    """A Table from the lines of one unruled table; a piece's column is the band nearest it."""
    bands, start = column_bands(lines), value_start(lines)
    value_columns = _value_bands(bands, start, lines)
    rows = []
    for r, row in enumerate(group_rows(lines)):
        rows.append(_cells(row, r, bands, value_columns if _is_data(row, start) else set(),
                           page, unit))
    return Table(index=0, rows=rows, page=page)


def _after_labels(bands: list[Band], value_lines: list[Line]) -> set[int]:
    """Columns right of the row's last label piece (every column when the row prints no label)."""
    labels = [p.box[2] for line in value_lines for p in line if not is_value(p)]
    return {i for i, (x0, _) in enumerate(bands) if x0 >= max(labels, default=0)}


def blank_value_boxes(lines: list[Line]) -> list[Box]:
    """Where a value row has no piece in a column right of its label: that column's band across
    the row's value lines (a lone "0" the detector missed would sit there)."""
    bands = column_bands(lines)
    boxes: list[Box] = []
    for row in group_rows(lines):
        value_lines = [line for line in row if any(is_value(p) for p in line)]
        if not value_lines:
            continue
        taken = {column_of(p, bands) for line in row for p in line}
        row_top = min(top(line) for line in value_lines)
        row_bottom = max(bottom(line) for line in value_lines)
        boxes.extend((bands[col][0], row_top, bands[col][1], row_bottom)
                     for col in sorted(_after_labels(bands, value_lines) - taken))
    return boxes
