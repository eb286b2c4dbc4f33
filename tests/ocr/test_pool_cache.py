"""OCR runs in worker processes, reports progress, caches pages by image hash, and needs no network."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from harvester.parse.carriers import pdf as pdf_carrier
from harvester.parse.model import Table
from harvester.parse.ocr import refine_pdf
from harvester.parse.ocr.pool import ocr_pages
from harvester.parse.ocr.render import ImageSet, PageSource
from ocr_corpus import fixture_path, seeds


def _top_quarter_png(seed: str) -> bytes:
    """The top of a page image: a title and table headers, quick to OCR."""
    with Image.open(fixture_path(seed, "page2.png")) as image:
        top = image.crop((0, 0, image.width, image.height // 4))
        buffer = io.BytesIO()
        top.save(buffer, "PNG")
    return buffer.getvalue()


def test_page_cache_hit_on_second_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARVESTER_OCR_CACHE", str(tmp_path / "cache"))
    source = PageSource("image", _top_quarter_png(seeds()[0]))
    calls: list[tuple[int, int]] = []
    first = ocr_pages(source, [0], progress=lambda stage, done, total: calls.append((done, total)))
    second = ocr_pages(source, [0])
    assert calls == [(1, 1)]
    assert first[0].error is None and first[0].note["cached"] is False
    assert second[0].note["cached"] is True and second[0].blocks == first[0].blocks
    assert len(list((tmp_path / "cache").rglob("*.json"))) == 1


def test_a_files_page_read_before_is_found_without_rendering_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A scan parsed again (a new parser version, a file's second parse on the cluster) finds its
    pages' readings through the file's digest and page number; a link whose reading is gone is
    rendered and read again."""
    monkeypatch.setenv("HARVESTER_OCR_CACHE", str(tmp_path / "cache"))
    pdf = io.BytesIO()
    with Image.open(io.BytesIO(_top_quarter_png(seeds()[0]))) as image:
        image.convert("RGB").save(pdf, "PDF", resolution=200)  # an image-only PDF, as a scanner writes
    source = PageSource("pdf", pdf.getvalue())
    [first] = ocr_pages(source, [0])
    [again] = ocr_pages(PageSource("pdf", pdf.getvalue()), [0])
    assert (first.note["cached"], first.note["rendered"]) == (False, True) and first.blocks
    assert (again.note["cached"], again.note["rendered"]) == (True, False) and again.blocks == first.blocks
    [reading] = (tmp_path / "cache").rglob("*.json")
    reading.unlink()
    [third] = ocr_pages(PageSource("pdf", pdf.getvalue()), [0])
    assert (third.note["cached"], third.note["rendered"]) == (False, True) and third.blocks == first.blocks


def test_a_cached_page_read_again_as_another_page_takes_that_page_number(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARVESTER_OCR_CACHE", str(tmp_path / "cache"))
    top = _top_quarter_png(seeds()[0])
    [first] = ocr_pages(PageSource("image", top), [0])
    blank = io.BytesIO()
    Image.new("L", (600, 400), 255).save(blank, "PNG")
    [again] = ocr_pages(ImageSet((blank.getvalue(), top)), [1])  # the same picture, now page 2
    assert first.note["cached"] is False and again.note["cached"] is True
    pages = {block.page for block in again.blocks}
    pages |= {cell.page for block in again.blocks if isinstance(block, Table)
              for row in block.rows for cell in row}
    assert pages == {2} and {block.page for block in first.blocks} == {1}


def test_several_pages_in_the_pool_report_progress() -> None:
    data = fixture_path(seeds()[3], "scan.pdf").read_bytes()
    calls: list[tuple[int, int]] = []
    extract = refine_pdf(data, pdf_carrier.extract(data),
                         progress=lambda stage, done, total: calls.append((done, total)))
    pages = extract.pages
    assert calls == [(n, pages) for n in range(1, pages + 1)]
    assert [n["page"] for n in extract.page_notes] == list(range(1, pages + 1))
    assert extract.method == "ocr" and not extract.errors
    assert [t.index for t in extract.tables()] == list(range(len(extract.tables())))


@pytest.mark.skipif(not shutil.which("unshare"), reason="needs util-linux unshare")
def test_ocr_runs_without_network(tmp_path: Path) -> None:
    image = tmp_path / "top.png"
    image.write_bytes(_top_quarter_png(seeds()[0]))
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("no permission for a network namespace")
    script = ("import sys; from harvester.parse.ocr import extract_image; "
              "e = extract_image(open(sys.argv[1], 'rb').read()); "
              "print(sum(len(r) for t in e.tables() for r in t.rows), len(e.paragraphs()), e.errors)")
    run = subprocess.run(["unshare", "-n", sys.executable, "-c", script, str(image)],
                         capture_output=True, text=True, timeout=180,
                         env={"HARVESTER_OCR_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr[-2000:]
    cells, paragraphs, errors = run.stdout.split(" ", 2)
    assert int(cells) > 20 and errors.strip() == "[]", run.stdout


def test_mixed_pdf_keeps_good_pages_and_ocrs_the_scanned_one() -> None:
    import io

    import pypdfium2 as pdfium

    seed = seeds()[0]  # its first page prints a table: the text-layer page has cells to check
    mixed = pdfium.PdfDocument.new()
    mixed.import_pages(pdfium.PdfDocument(fixture_path(seed, "pdf").read_bytes()), [0])
    mixed.import_pages(pdfium.PdfDocument(fixture_path(seed, "scan.pdf").read_bytes()), [1])
    buffer = io.BytesIO()
    mixed.save(buffer)
    data = buffer.getvalue()
    extract = refine_pdf(data, pdf_carrier.extract(data))
    assert extract.method == "mixed"
    assert [n["decision"] for n in extract.page_notes] == ["text-layer", "ocr"]
    cells = {t.page: [c for row in t.rows for c in row if c.text] for t in extract.tables()}
    assert cells[1] and all(c.confidence is None for c in cells[1])
    assert cells[2] and all(c.confidence is not None for c in cells[2])
    assert [b.page for b in extract.blocks] == sorted(b.page for b in extract.blocks)


def test_multi_page_tiff_reads_every_frame(tmp_path: Path) -> None:
    from harvester.parse.ocr import extract_image

    first = Image.open(io.BytesIO(_top_quarter_png(seeds()[0])))
    second = Image.open(io.BytesIO(_top_quarter_png(seeds()[1])))
    buffer = io.BytesIO()
    first.save(buffer, "TIFF", save_all=True, append_images=[second], compression="tiff_deflate")
    extract = extract_image(buffer.getvalue())
    assert extract.pages == 2 and not extract.errors
    assert [n["page"] for n in extract.page_notes] == [1, 2]
    assert {b.page for b in extract.blocks} == {1, 2}
