"""Image files are reports too: a page PNG rebuilds the same table the PDF's text layer holds."""

from __future__ import annotations

import re

import pytest

from harvester.parse.carriers import pdf as pdf_carrier
from harvester.parse.model import Extract, Table
from ocr_corpus import fixture_path, parsed, seeds

NUMBER = re.compile(r"-?\d+(\.\d+)?")


def numeric_rows(extract: Extract, page: int) -> list[list[str]]:
    """Per table row on `page`: the numbers it prints, left to right (labels left out)."""
    rows = []
    for table in extract.tables():
        for row in table.rows:
            numbers = [c.text for c in sorted(row, key=lambda c: c.col)
                       if (c.page or table.page) == page and NUMBER.fullmatch(c.text.strip())]
            if numbers:
                rows.append(numbers)
    return rows


def spans(extract: Extract, page: int) -> list[list[tuple[int, int]]]:
    """The span shape of each table row on `page` (rowspan, colspan of its cells)."""
    return [[(c.rowspan, c.colspan) for c in row] for t in extract.tables() for row in t.rows
            if row and (row[0].page or t.page) == page]


@pytest.mark.parametrize("seed", seeds())
def test_page_image_rebuilds_the_text_layer_table(seed: str) -> None:
    from harvester.parse.ocr import extract_image

    text_layer = pdf_carrier.extract(fixture_path(seed, "pdf").read_bytes())
    image = extract_image(fixture_path(seed, "page2.png").read_bytes())
    assert (image.carrier, image.method, image.pages) == ("image", "ocr", 1)
    got, want = numeric_rows(image, 1), numeric_rows(text_layer, 2)
    cells = sum(len(r) for r in want)
    same = sum(a == b for g, w in zip(got, want) for a, b in zip(g, w))
    print(f"{seed}.page2.png: {same}/{cells} numeric cells as in the text layer")
    assert got == want
    assert spans(image, 1) == spans(text_layer, 2)
    for table in image.tables():
        assert isinstance(table, Table)
        for cell in (c for row in table.rows for c in row if c.text):
            assert cell.bbox and cell.confidence is not None


def test_image_report_through_the_dispatcher() -> None:
    seed = seeds()[1]
    result = parsed(seed, "page2.png")
    assert (result.carrier, result.method, result.kind) == ("image", "ocr", "report")
    assert result.page_notes[0]["decision"] == "ocr"
