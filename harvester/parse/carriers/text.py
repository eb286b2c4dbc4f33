"""Plain text reports, as text extractors write them (the seeds in ../shared/seeds/).

Two table dialects occur, decided per file:

- *one cell per line*: a cell is a line starting with a tab; a blank line ends a row; a
  short untabbed line right after a cell continues that cell (a label wrapped in the cell);
- *tab-separated rows*: a line holding tabs is one row, its fields are the cells.

Lines that are neither are paragraphs; a paragraph ends the current table.
"""

from __future__ import annotations

import re

from harvester.charset import decode
from harvester.parse.model import Cell, Extract, Paragraph, Table

# A wrapped cell continues on the next line only while the fragment is short and is not a
# section heading such as " 三、收到和处理政府信息公开申请情况" (seed 000 has one right after a cell).
CONTINUATION_MAX_CHARS = 30
HEADING = re.compile(r"^\s*[一二三四五六七八九十]+、")
WORD_ARTIFACT = re.compile(r"\[bookmark: [^\]]*\]")


def extract(data: bytes) -> Extract:
    """Read a text report into paragraphs and tables."""
    text = decode(data)
    lines = [WORD_ARTIFACT.sub("", line).rstrip("\r") for line in text.split("\n")]
    tab_rows = any("\t" in line.lstrip("\t") for line in lines)
    reader = _TabRowReader() if tab_rows else _CellPerLineReader()
    for line in lines:
        reader.feed(line)
    return Extract(carrier="text", method="text", blocks=reader.finish())


class _BlockBuilder:
    """Collects paragraphs and the rows of the table being read, in order."""

    def __init__(self) -> None:
        self.blocks: list[Paragraph | Table] = []
        self.rows: list[list[str]] = []
        self.tables = 0

    def paragraph(self, text: str) -> None:
        self.end_table()
        if text.strip():
            self.blocks.append(Paragraph(text.strip()))

    def end_table(self) -> None:
        rows = [r for r in self.rows if r]
        if rows:
            cells = [[Cell(text.strip(), row=i, col=j) for j, text in enumerate(r)]
                     for i, r in enumerate(rows)]
            self.blocks.append(Table(index=self.tables, rows=cells))
            self.tables += 1
        self.rows = []

    def finish(self) -> list[Paragraph | Table]:
        self.end_table()
        return self.blocks


class _CellPerLineReader(_BlockBuilder):
    def __init__(self) -> None:
        super().__init__()
        self.after_cell = False

    def feed(self, line: str) -> None:
        if line.startswith("\t"):
            if not self.rows:
                self.rows.append([])
            self.rows[-1].append(line[1:])
            self.after_cell = True
        elif not line.strip():
            if self.rows and self.rows[-1]:
                self.rows.append([])
            self.after_cell = False
        elif (self.after_cell and len(line.strip()) <= CONTINUATION_MAX_CHARS
              and not HEADING.match(line)):
            self.rows[-1][-1] = self.rows[-1][-1].rstrip() + line.strip()
        else:
            self.after_cell = False
            self.paragraph(line)


class _TabRowReader(_BlockBuilder):
    def feed(self, line: str) -> None:
        if "\t" in line:
            self.rows.append(line.split("\t"))
        elif line.strip():
            self.paragraph(line)

