"""Table structure without rules: rows from text lines, columns clustered from box positions."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from harvester.parse.model import Table
from harvester.parse.ocr import extract_image

FONT = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
ROWS = [
    ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
    ["行政许可", "4138", "-675", "3463"],
    ["行政处罚", "0", "12", "7"],
    ["行政强制", "5", "0", "0"],
]
COLUMN_X = [80, 420, 760, 1040]


def unruled_page() -> bytes:
    """A page image (PNG, drawn with Noto Serif CJK) of a table printed without any rules."""
    image = Image.new("L", (1300, 700), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 32, index=2)  # index 2: the SC (simplified) face
    draw.text((80, 60), "二、主动公开政府信息情况", font=font, fill=0)
    for r, row in enumerate(ROWS):
        for x, text in zip(COLUMN_X, row):
            draw.text((x, 180 + r * 90), text, font=font, fill=0)
    draw.text((80, 600), "三、收到和处理政府信息公开申请情况", font=font, fill=0)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def test_unruled_table_is_rebuilt_from_box_positions() -> None:
    extract = extract_image(unruled_page())
    kinds = [type(block).__name__ for block in extract.blocks]
    assert kinds == ["Paragraph", "Table", "Paragraph"], extract.blocks
    table = extract.blocks[1]
    assert isinstance(table, Table)
    assert [[cell.text for cell in row] for row in table.rows] == ROWS
    assert [[cell.col for cell in row] for row in table.rows] == [[0, 1, 2, 3]] * 4
    assert all(cell.bbox and cell.confidence for row in table.rows for cell in row)
