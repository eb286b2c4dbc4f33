"""A table row split into its label (the printed row heading) and its value cells."""

from __future__ import annotations

from dataclasses import dataclass

from harvester.parse.interpret.values import Value, normalise, read_value
from harvester.parse.model import Cell, Table


@dataclass
class Row:
    """One physical row: label text (normalised) and the value cells right of the last label."""

    table: Table
    cells: list[Cell]
    label: str
    values: list[tuple[Cell, Value]]


def split_row(table: Table, cells: list[Cell]) -> Row:
    """Labels are every non-value cell; values are the cells after the last label cell."""
    label_parts: list[str] = []
    values: list[tuple[Cell, Value]] = []
    for cell in cells:
        value = read_value(cell.text)
        if value is None:
            label_parts.append(normalise(cell.text))
            values = []
        else:
            values.append((cell, value))
    return Row(table, cells, "".join(label_parts), values)


def fit(values: list[tuple[Cell, Value]], wanted: int) -> list[tuple[Cell, Value]]:
    """Trim a row to the wanted number of value cells.

    Extra cells come from layout, not from the report: trailing blanks left by tab
    exports, or blank cells under a label's colspan before the first number.
    """
    values = list(values)
    while len(values) > wanted and values[-1][1].number is None:
        values.pop()
    return values[len(values) - wanted:] if len(values) > wanted else values
