"""Bad input costs bounded time and memory and ends in a clear recorded error, never a crash or hang."""

from __future__ import annotations

import io
import resource

import pypdfium2 as pdfium
import pytest
from PIL import Image

from harvester.parse import parse_bytes
from harvester.parse.carriers import pdf as pdf_carrier
from harvester.parse.errors import NO_TEXT_LAYER
from harvester.parse.limits import MAX_PDF_PAGES
from harvester.parse.ocr import refine_pdf
from ocr_corpus import fixture_path, seeds


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.timeout(60)
def test_huge_image_is_refused_from_its_header() -> None:
    data = _png(Image.new("L", (10_000, 10_000), 255))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = parse_bytes(data, "huge.png")
    assert result.kind == "unreadable"
    assert result.errors == ["image too large: 10000x10000 pixels (limit 50 MP)"]
    # The 100 MP image was never decoded: peak memory grew by far less than its 100 MB.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 50_000  # KiB


@pytest.mark.parametrize(("name", "data", "message"), [
    ("garbage.png", b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 100, "not a readable image"),
    ("header-only.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "not a readable image"),
])
@pytest.mark.timeout(60)
def test_corrupt_image_gives_a_clear_error(name: str, data: bytes, message: str) -> None:
    result = parse_bytes(data, name)
    assert result.kind == "unreadable"
    assert any(message in e for e in result.errors), result.errors


@pytest.mark.timeout(120)
def test_truncated_image_gives_a_clear_error() -> None:
    png = fixture_path(seeds()[0], "page2.png").read_bytes()
    result = parse_bytes(png[: len(png) // 2], "truncated.png")
    assert result.kind == "unreadable"
    assert any("cannot be decoded" in e for e in result.errors), result.errors


@pytest.mark.timeout(120)
def test_500_blank_pages_are_judged_without_ocr() -> None:
    pdf = pdfium.PdfDocument.new()
    for _ in range(500):
        pdf.new_page(595, 842)
    buffer = io.BytesIO()
    pdf.save(buffer)
    data = buffer.getvalue()
    extract = refine_pdf(data, pdf_carrier.extract(data))
    assert len(extract.page_notes) == MAX_PDF_PAGES  # pages past the carrier's cap are not read
    assert any("500 pages" in e for e in extract.errors)
    assert all(n["decision"] == "text-layer" and n["reasons"] == ["blank page"]
               for n in extract.page_notes)
    assert not any("ocr" in n for n in extract.page_notes)
    assert extract.blocks == [] and NO_TEXT_LAYER in extract.errors
