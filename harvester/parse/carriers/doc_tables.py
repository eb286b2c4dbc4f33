"""Which table rows of a Word 97-2003 file merge cells, read from the file's own row definitions.

antiword prints every table unmerged: a cell merged across prints as one wider cell, a cell
merged down as blanks under it, in rows as wide as their table, so its text cannot show the
loss. Each table row ends with paragraph properties holding sprmTDefTable ([MS-DOC] 2.6.5):
its operand's length, the row's cell count, the cells' edges, then one 20-byte TC a cell whose
TCGRF bits 0-1 say a merge across and bits 5-6 a merge down. The operand is found by its code
in the file and kept only when its length matches its cell count. Rows with the same properties
share one copy of them, so the count is of distinct row definitions: a lower bound of the rows.
"""

from __future__ import annotations

from collections.abc import Iterator

DEF_TABLE = (0xD608).to_bytes(2, "little")
TC_SIZE = 20
MAX_CELLS = 63
MERGED_ACROSS, MERGED_DOWN = 0b11, 0b11 << 5


def row_definitions(data: bytes) -> Iterator[list[int]]:
    """The TCGRF flags of each cell, for every table row definition in the file."""
    at = data.find(DEF_TABLE)
    while at >= 0:
        length, cells = int.from_bytes(data[at + 2:at + 4], "little"), data[at + 4:at + 5]
        count = cells[0] if cells else 0
        first_tc = at + 5 + (count + 1) * 2
        if 1 <= count <= MAX_CELLS and length - 1 == first_tc - at - 4 + count * TC_SIZE:
            yield [int.from_bytes(data[tc:tc + 2], "little")
                   for tc in range(first_tc, first_tc + count * TC_SIZE, TC_SIZE)]
        at = data.find(DEF_TABLE, at + 1)


def merged_rows(data: bytes) -> int:
    """How many of the file's table row definitions merge cells, across or down."""
    return sum(any(flags & (MERGED_ACROSS | MERGED_DOWN) for flags in row) for row in row_definitions(data))
