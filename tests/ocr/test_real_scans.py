"""The real reports of tests/fixtures/real printed and scanned: every page rendered to a
150 dpi grey picture, the pictures bound as an image-only PDF, read by OCR to the truth."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from harvester.parse import parse_bytes

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "real"
SCAN_DPI = 150


def image_only(pdf_bytes: bytes) -> bytes:
    """The PDF's pages as pictures only: no text layer left to read."""
    pdf = pdfium.PdfDocument(pdf_bytes)
    pages = [pdf[i].render(scale=SCAN_DPI / 72, grayscale=True).to_pil() for i in range(len(pdf))]
    out = io.BytesIO()
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=SCAN_DPI)
    return out.getvalue()


def real_pdfs() -> list[Path]:
    found = sorted(REAL.glob("*/source.pdf"))
    assert found
    return found


@pytest.mark.parametrize("path", real_pdfs(), ids=lambda p: p.parent.name)
def test_a_scan_of_a_real_report_reads_to_its_truth(path: Path) -> None:
    truth = json.loads((path.parent / "truth.json").read_text(encoding="utf-8"))
    result = parse_bytes(image_only(path.read_bytes()), f"{path.parent.name}-scan.pdf")
    assert result.method == "ocr"
    wrong = {k: (result.facts.get(k), v) for k, v in truth["cells"].items()
             if result.facts.get(k) != v}
    assert len(wrong) <= len(truth["cells"]) // 50, wrong  # >= 98 % of cells (the bar)
    assert set(result.cell_status.values()) == {"ocr"}
    assert (result.year, result.agency) == (truth["year"], truth["agency"])
