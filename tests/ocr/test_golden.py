"""Every seed, as a scan, a rotated scan, a noisy scan, a scan without table rules and a PDF with broken fonts,
gives the golden facts."""

from __future__ import annotations

import pytest

from ocr_corpus import VARIANTS, fixture_path, golden, parsed, seeds
from harvester.parse.model import Table


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("seed", seeds())
def test_ocr_gives_the_golden_facts(seed: str, variant: str) -> None:
    expected = golden(seed)
    result = parsed(seed, f"{variant}.pdf")
    facts = expected["facts"]
    right = sum(1 for key, value in facts.items() if result.facts.get(key, "<missing>") == value)
    print(f"{seed}.{variant}: per-cell accuracy {right}/{len(facts)} = {right / len(facts):.1%}")
    wrong = {k: (result.facts.get(k, "<missing>"), v) for k, v in facts.items()
             if result.facts.get(k, "<missing>") != v}
    assert not wrong, f"{len(wrong)} cells differ (got, expected): {dict(list(wrong.items())[:10])}"
    assert not set(result.facts) - set(facts)
    assert (result.template, result.year, result.agency) == (
        expected["template"], expected["year"], expected["agency"])
    assert result.method == "ocr"
    judged = [note for note in result.page_notes if note["signals"]["chars"] or note["signals"]["image_share"]]
    assert judged and all(note["decision"] == "ocr" for note in judged)


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
