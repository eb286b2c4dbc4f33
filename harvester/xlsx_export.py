"""The export's datasets as one Excel workbook (`harvester.xlsx`), so a spreadsheet user needs
no import dialog: one sheet per dataset (the CSVs' columns and rows), numbers as numbers, and
every text (ids, names, printed text) as a text cell that Excel never turns into a number, a
date or a formula. A dataset longer than a sheet continues on the next (`panel_long 2`, ...).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

WORKBOOK = "harvester.xlsx"
MAX_SHEET_ROWS = 1_048_576  # Excel's limit, header included


def write_workbook(conn: sqlite3.Connection, datasets: dict[str, str], out: Path,
                   max_rows: int = MAX_SHEET_ROWS) -> Path:
    """Write every dataset (name -> SQL) to `out`/harvester.xlsx; returns its path."""
    workbook = Workbook(write_only=True)
    for name, sql in datasets.items():
        cursor = conn.execute(sql)
        header = [d[0] for d in cursor.description]
        sheets, rows = 1, 0
        worksheet = _sheet(workbook, name, header)
        for row in cursor:
            if rows == max_rows - 1:
                sheets, rows = sheets + 1, 0
                worksheet = _sheet(workbook, f"{name} {sheets}", header)
            worksheet.append([_cell(worksheet, value) for value in row])
            rows += 1
    path = out / WORKBOOK
    workbook.save(path)
    return path


def _sheet(workbook: Workbook, title: str, header: list[str]) -> WriteOnlyWorksheet:
    worksheet = workbook.create_sheet(title)
    worksheet.append([_cell(worksheet, column) for column in header])
    return worksheet


def _cell(worksheet: WriteOnlyWorksheet, value: Any) -> Any:
    """Numbers and blanks as they are; text always a text cell (never a formula or a number).

    XML cannot carry control characters: each becomes U+FFFD (the CSVs keep the text exact)."""
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(worksheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
    cell.data_type = "s"
    return cell
