"""Table rows -> canonical facts, read as one stream so tables split across pages still map.

A zone (table 2, 3 or 4) is entered when a paragraph heading or a row names it; inside a
zone each row is mapped by its label, and the values are taken from the cells right of the
label. Nothing is guessed: a row that cannot be mapped is skipped, a value that cannot be
placed is reported in errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from harvester.parse.interpret import labels
from harvester.parse.interpret.rows import Row, counts_in_place, first_column, fit, split_row
from harvester.parse.interpret.values import Value, normalise
from harvester.parse.model import Cell, Extract, Paragraph, Table
from harvester.schema import TABLE3_COLUMNS, TABLE4_GROUPS, TABLE4_OUTCOMES

TABLE3_WIDTH = len(TABLE3_COLUMNS)
TABLE4_KEYS = [f"{g}.{o}" for g in TABLE4_GROUPS for o in TABLE4_OUTCOMES]

ZONE_HEADINGS = (
    ("table2", re.compile(r"^二[、.]?主动公开")),
    ("table3", re.compile(r"^三[、.]?收到和处理")),
    ("table4", re.compile(r"^四[、.]?.*(行政复议|行政诉讼)")),
    (None, re.compile(r"^[五六][、.]")),
)


@dataclass
class Facts:
    """Facts read so far, with their printed text, unit and position."""

    method: str
    facts: dict[str, int | float | None] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    where: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def put(self, key: str, cell: Cell, value: Value, table: Table) -> None:
        if value.unreadable:
            self.errors.append(f"{key}: {cell.text.strip()!r} printed where a number belongs "
                               f"(table {table.index} row {cell.row}); left unread, not guessed")
            return
        if key in self.facts:
            self.errors.append(f"{key}: printed twice (kept {self.raw[key]!r}, "
                               f"ignored {cell.text!r} in table {table.index} row {cell.row})")
            return
        self.facts[key] = value.number
        self.raw[key] = cell.text.strip()
        if value.unit:
            self.units[key] = value.unit
        self.where[key] = _where(cell, table, self.method)


def _where(cell: Cell, table: Table, method: str) -> dict[str, Any]:
    where: dict[str, Any] = {"table": table.index, "row": cell.row, "col": cell.col,
                             "method": method}
    if cell.page is not None:
        where["page"] = cell.page
    if cell.bbox is not None:
        where["bbox"] = [round(v, 1) for v in cell.bbox]
    if cell.confidence is not None:
        where["confidence"] = round(cell.confidence, 4)
    return where


class Mapper:
    """Walks an extract's blocks once and fills a Facts."""

    def __init__(self, extract: Extract) -> None:
        self.out = Facts(method=extract.method)
        self.zone: str | None = None
        self.group: str | None = None  # table-3 result group
        self.table2_columns: list[str] = []
        self.table4_values: list[tuple[Cell, Value, Table]] = []
        self.extract = extract

    def run(self) -> Facts:
        for block in self.extract.blocks:
            if isinstance(block, Paragraph):
                self._heading(normalise(block.text))
            else:
                for cells in block.rows:
                    self._row(split_row(block, cells))
        self._finish_table4()
        return self.out

    def _heading(self, text: str) -> None:
        for zone, pattern in ZONE_HEADINGS:
            if pattern.match(text):
                self.zone = zone
                return

    def _row(self, row: Row) -> None:
        self._switch_zone(row.label)
        if self.zone == "table2":
            self._table2(row)
        elif self.zone == "table3":
            self._table3(row)
        elif self.zone == "table4":
            self._table4(row)

    def _switch_zone(self, label: str) -> None:
        if "第二十条" in label or (self.zone is None and labels.table2_item(label)):
            self.zone = "table2"
        elif "本年新收" in label or "勾稽关系" in label or "申请人情况" in label:
            self.zone = "table3"
        elif "复议后起诉" in label or "未经复议" in label or (
                "行政复议" in label and "行政诉讼" in label):
            self.zone = "table4"

    def _table2(self, row: Row) -> None:
        columns = [labels.table2_column(normalise(c.text)) for c in row.cells]
        if any(columns):
            self.table2_columns = [c for c in columns if c]
            return
        item = labels.table2_item(row.label)
        if not item or not row.values:
            return
        if not self.table2_columns:
            self.out.errors.append(f"table 2: no column headers before row {row.label!r}")
            return
        placed = fit(row, self.table2_columns)
        self._notes(item, row)
        for column, cell, value in placed:
            self.out.put(f"{item}.{column}", cell, value, row.table)
        found = {column for column, _, _ in placed}
        for column in (c for c in self.table2_columns if c not in found):
            self.out.errors.append(f"{item}.{column}: cell missing in row {row.label!r}")

    def _table3(self, row: Row) -> None:
        self.group = labels.table3_group(row.label) or self.group
        if not row.values or not row.label or labels.is_table3_header(row.label):
            return
        key = labels.table3_row_key(row.label, self.group)
        if key is None:
            return
        placed = fit(row, TABLE3_COLUMNS)
        self._notes(key, row)
        if len(placed) < TABLE3_WIDTH:
            self.out.errors.append(
                f"{key}: {len(placed)} of {TABLE3_WIDTH} cells found in row {row.label!r}")
        for column, cell, value in placed:
            self.out.put(f"{key}.{column}", cell, value, row.table)

    def _notes(self, key: str, row: Row) -> None:
        for cell in row.notes:
            self.out.errors.append(f"{key}: {cell.text.strip()!r} printed after the row's counts "
                                   f"(table {row.table.index} row {cell.row}); not read")

    def _table4(self, row: Row) -> None:
        if len(self.table4_values) >= len(TABLE4_KEYS):
            return
        if not row.label:
            values = row.values
            self._notes("table 4", row)
        elif not self.table4_values:  # words in a cell of the row of counts
            values = counts_in_place(row)
        else:
            return
        self.table4_values.extend((cell, value, row.table) for cell, value in values)

    def _finish_table4(self) -> None:
        found = self.table4_values
        if not found:
            return
        last_cell, _, last_table = found[-1]
        keys = TABLE4_KEYS[first_column(len(found), len(TABLE4_KEYS), last_table, last_cell):]
        if len(found) != len(TABLE4_KEYS):
            unread = [key for key in TABLE4_KEYS if key not in keys[:len(found)]]
            self.out.errors.append(f"table 4: {len(found)} numbers found where {len(TABLE4_KEYS)} "
                                   f"are printed" + (f"; not read: {', '.join(unread)}" if unread else ""))
        for key, (cell, value, table) in zip(keys, found):
            self.out.put(key, cell, value, table)


def map_facts(extract: Extract) -> Facts:
    """Read every canonical fact the extract's tables print."""
    return Mapper(extract).run()
