"""A table row split into its label (the printed row heading) and its value cells."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from harvester.parse.interpret.values import UNREADABLE, Value, normalise, read_value
from harvester.parse.model import Cell, Table


@dataclass
class Row:
    """One physical row: label text (normalised), the value cells right of the last label, and
    the notes: cells of words after the row's counts (a remark column)."""

    table: Table
    cells: list[Cell]
    label: str
    values: list[tuple[Cell, Value]]
    notes: list[Cell] = field(default_factory=list)


def split_row(table: Table, cells: list[Cell]) -> Row:
    """Labels are the non-value cells before the last value; values are the cells after the
    last label cell; non-value cells after a row's last value are notes once a number precedes
    them (a row of blanks and then words is still a row of labels)."""
    label_parts: list[str] = []
    values: list[tuple[Cell, Value]] = []
    words: list[Cell] = []  # non-value cells not yet known to be labels or notes
    for cell in cells:
        value = read_value(cell.text)
        if value is None:
            words.append(cell)
            continue
        if words:
            label_parts += [normalise(word.text) for word in words]
            words, values = [], []
        values.append((cell, value))
    if words and not any(value.number is not None for _, value in values):
        return Row(table, cells, "".join(label_parts + [normalise(w.text) for w in words]), [])
    return Row(table, cells, "".join(label_parts), values, words)


def counts_in_place(row: Row) -> list[tuple[Cell, Value]]:
    """The counts of a row whose label is words where a count belongs (a note in one of its
    cells): from its first number on, every cell in place, words read as unreadable values.
    Nothing when fewer than two thirds of those cells are values (a row of labels)."""
    read = [(cell, read_value(cell.text)) for cell in row.cells]
    first = next((i for i, (_, value) in enumerate(read)
                  if value is not None and value.number is not None),
                 len(read))
    read = read[first:]
    values = sum(1 for _, value in read if value is not None)
    if len(read) < 3 or 3 * values < 2 * len(read):
        return []
    return [(cell, UNREADABLE if value is None else value) for cell, value in read]


def fit(row: Row, columns: Iterable[str]) -> list[tuple[str, Cell, Value]]:
    """The row's value cells, each with the column it fills.

    Extra cells come from layout, not from the report: trailing blanks left by tab
    exports, or blank cells under a label's colspan before the first number. A row with
    too few values whose last one ends in the table's last column lacks its first ones
    (words where the first count belongs were read as part of the label), so its values
    fill the last columns; any other short row fills the first ones.
    """
    columns, values = list(columns), list(row.values)
    wanted = len(columns)
    while len(values) > wanted and values[-1][1].number is None:
        values.pop()
    values = values[len(values) - wanted:] if len(values) > wanted else values
    start = first_column(len(values), wanted, row.table, values[-1][0]) if values else 0
    return [(column, cell, value) for column, (cell, value) in zip(columns[start:], values)]


def first_column(found: int, wanted: int, table: Table, last: Cell) -> int:
    """Which of `wanted` columns the first of `found` values fills, the last being `last`: the
    first column, unless too few were found and the last reaches the table's last grid column
    (then the missing ones are the first ones)."""
    edge = max(c.col + c.colspan for cells in table.rows for c in cells)
    return wanted - found if found < wanted and last.col + last.colspan == edge else 0
