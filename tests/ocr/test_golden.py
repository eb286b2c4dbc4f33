"""Every seed, as a scan, a rotated scan and a scan without table rules, gives the golden facts
(noisy scans and broken fonts: test_golden_damaged.py)."""

from __future__ import annotations

import pytest

from ocr_corpus import SCAN_VARIANTS, assert_golden_facts, fixture_path, seeds
from harvester.parse.model import Table


@pytest.mark.parametrize("variant", SCAN_VARIANTS)
@pytest.mark.parametrize("seed", seeds())
def test_ocr_gives_the_golden_facts(seed: str, variant: str) -> None:
    assert_golden_facts(seed, variant)


@pytest.mark.parametrize("seed", seeds())
def test_every_ocr_cell_keeps_its_box_and_confidence(seed: str) -> None:
    from harvester.parse.carriers import pdf as pdf_carrier
    from harvester.parse.ocr import refine_pdf

    data = fixture_path(seed, "scan.pdf").read_bytes()
    extract = refine_pdf(data, pdf_carrier.extract(data))  # pages come from the session cache
    cells = [cell for block in extract.blocks if isinstance(block, Table)
             for row in block.rows for cell in row if cell.text]
    assert cells
    for cell in cells:
        assert cell.page and cell.bbox and 0 < cell.confidence <= 1, cell
        x0, top, x1, bottom = cell.bbox
        assert 0 <= x0 < x1 <= 600 and 0 <= top < bottom <= 850, cell  # A4 in points
