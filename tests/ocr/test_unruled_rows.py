"""Unruled tables whose labels wrap: a label's lines and its numbers come out as one row."""

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
HEADER = ["信息内容", "上一年数量", "本年增/减", "处理决定"]


def wrapped_page() -> bytes:
    """A page image of an unruled table with a two-line and a three-line label, centred numbers."""
    image = Image.new("L", (1300, 900), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, SIZE, index=2)  # index 2: the SC (simplified) face
    draw.text((LABEL_X, 40), "二、主动公开政府信息情况", font=font, fill=0)
    for x, text in zip([LABEL_X, *VALUE_X], HEADER):
        draw.text((x, 130), text, font=font, fill=0)
    y = 130 + LEADING
    for label, numbers in ROWS:
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


def test_wrapped_labels_join_the_row_of_their_numbers() -> None:
    extract = extract_image(wrapped_page())
    assert [type(block).__name__ for block in extract.blocks] == ["Paragraph", "Table", "Paragraph"]
    table = extract.blocks[1]
    assert isinstance(table, Table)
    want = [HEADER] + [["\n".join(label), *numbers] for label, numbers in ROWS]
    assert [[cell.text for cell in row] for row in table.rows] == want
    assert [[cell.col for cell in row] for row in table.rows] == [[0, 1, 2, 3]] * len(want)
    assert [row[0].row for row in table.rows] == list(range(len(want)))
