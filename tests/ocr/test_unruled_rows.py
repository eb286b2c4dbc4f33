"""Unruled tables whose labels wrap: a label's lines and its numbers come out as one row; rows
that print no numbers are told apart by the item markers their labels begin with."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from harvester.parse.model import Table
from harvester.parse.ocr import extract_image

FONT = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
SIZE, LEADING = 32, 44  # font size and line pitch in pixels
LABEL_X, VALUE_X = 80, [560, 800, 1040]
# Each row: label lines and numbers; numbers sit on the label's vertical middle.
ROWS = [
    (["（一）本年新收政府", "信息公开申请数量"], ["12", "0", "3"]),
    (["行政许可"], ["4138", "-675", "3463"]),
    (["其中：最主要理由", "是申请内容不明确", "需要补正"], ["7", "5", "0"]),
    (["行政处罚"], ["0", "12", "7"]),
]
# Rows without numbers between two rows with numbers; their labels wrap at the same line pitch.
ITEM_ROWS = [
    (["（一）本年新收政府", "信息公开申请数量"], ["12", "0", "3"]),
    (["1.属于国家秘密"], []),
    (["2.其他法律行政", "法规禁止公开"], []),
    (["3.危及国家安全", "公共安全经济", "安全社会稳定"], []),
    (["（二）其他处理"], ["1", "0", "1"]),
]
HEADER = ["信息内容", "上一年数量", "本年增/减", "处理决定"]


def table_page(rows: list[tuple[list[str], list[str]]]) -> bytes:
    """A page image of an unruled table between a heading and a paragraph; numbers centred on
    their labels."""
    image = Image.new("L", (1300, 900), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, SIZE, index=2)  # index 2: the SC (simplified) face
    draw.text((LABEL_X, 40), "二、主动公开政府信息情况", font=font, fill=0)
    for x, text in zip([LABEL_X, *VALUE_X], HEADER):
        draw.text((x, 130), text, font=font, fill=0)
    y = 130 + LEADING
    for label, numbers in rows:
        for i, line in enumerate(label):
            draw.text((LABEL_X, y + i * LEADING), line, font=font, fill=0)
        middle = y + (len(label) - 1) * LEADING / 2
        for x, number in zip(VALUE_X, numbers):
            draw.text((x, middle), number, font=font, fill=0)
        y += len(label) * LEADING
    draw.text((LABEL_X, y + 80), "三、收到和处理政府信息公开申请情况", font=font, fill=0)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _table(page: bytes) -> Table:
    """The one table read from a page image drawn by table_page."""
    extract = extract_image(page)
    assert [type(block).__name__ for block in extract.blocks] == ["Paragraph", "Table", "Paragraph"]
    table = extract.blocks[1]
    assert isinstance(table, Table)
    return table


def _wanted(rows: list[tuple[list[str], list[str]]]) -> list[list[str]]:
    """Header and rows as cell texts: a label's lines joined, a row without numbers blank."""
    return [HEADER] + [["\n".join(label), *(numbers or [""] * len(VALUE_X))]
                       for label, numbers in rows]


def test_wrapped_labels_join_the_row_of_their_numbers() -> None:
    table = _table(table_page(ROWS))
    want = _wanted(ROWS)
    assert [[cell.text for cell in row] for row in table.rows] == want
    assert [[cell.col for cell in row] for row in table.rows] == [[0, 1, 2, 3]] * len(want)
    assert [row[0].row for row in table.rows] == list(range(len(want)))


def test_item_markers_split_rows_without_numbers() -> None:
    table = _table(table_page(ITEM_ROWS))
    want = _wanted(ITEM_ROWS)
    assert [[cell.text for cell in row] for row in table.rows] == want
    assert [[cell.col for cell in row] for row in table.rows] == [[0, 1, 2, 3]] * len(want)
