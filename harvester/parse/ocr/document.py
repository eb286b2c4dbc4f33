"""The two entry points the dispatcher calls: refine a PDF's text layer, read an image file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pypdfium2 as pdfium

from harvester.parse.errors import NO_TEXT_LAYER, PAGES_WITHOUT_TEXT, UnreadableFile
from harvester.parse.limits import MAX_PDF_PAGES
from harvester.parse.model import Block, Extract, Paragraph, Table
from harvester.parse.ocr.limits import MAX_OCR_PAGES
from harvester.parse.ocr.pool import PageOutcome, ocr_pages
from harvester.parse.ocr.render import ImageSet, Pages, PageSource, open_pdf
from harvester.parse.ocr.trust import (MIN_TEXT_CHARS, PageStats, Verdict, judge, page_objects,
                                       pdfium_text)
from harvester.progress import Progress

# The carrier's own notes that a page lacks text; settled once OCR has read those pages.
_CARRIER_OCR_ERRORS = (NO_TEXT_LAYER, PAGES_WITHOUT_TEXT)


def _texts_by_page(extract: Extract) -> dict[int, list[str]]:
    """Everything the carrier read, per page (table cells by the page they sit on)."""
    texts: dict[int, list[str]] = {}
    for block in extract.blocks:
        if isinstance(block, Paragraph):
            texts.setdefault(block.page or 0, []).append(block.text)
            continue
        for row in block.rows:
            for cell in row:
                texts.setdefault(cell.page or block.page or 0, []).append(cell.text)
    return texts


def judge_pages(data: bytes, extract: Extract) -> list[Verdict]:
    """Trust decision for every page, from the carrier's text and pypdfium2's page objects."""
    pdf = open_pdf(data)
    texts = _texts_by_page(extract)
    carrier_notes = {note.get("page"): note for note in extract.page_notes}
    verdicts = []
    try:
        # Same page cap as the PDF carrier: pages past it were never read, so never judged.
        for index in range(min(len(pdf), MAX_PDF_PAGES)):
            try:
                page = pdf[index]
            except pdfium.PdfiumError:
                continue  # a page that does not load (a circular page tree): the carrier noted it
            number = index + 1
            text = "\n".join(texts.get(number, [])) or pdfium_text(page)
            image_share, paths = page_objects(page)
            cid = int(carrier_notes.get(number, {}).get("cid_tokens", 0) or 0)
            verdicts.append(judge(number, PageStats(text, cid, image_share, paths)))
            page.close()
    finally:
        pdf.close()
    return verdicts


def _merge_notes(extract: Extract, notes: list[dict[str, Any]]) -> None:
    """Fold OCR decisions into the carrier's per-page notes (one dict per page)."""
    by_page = {note.get("page"): note for note in extract.page_notes}
    for note in notes:
        if note["page"] in by_page:
            by_page[note["page"]].update(note)
        else:
            extract.page_notes.append(note)
    extract.page_notes.sort(key=lambda note: note.get("page") or 0)


def _without_pages(block: Block, pages: set[int]) -> Block | None:
    """A carrier block with whatever lies on OCR'd pages removed (None when nothing is left)."""
    if isinstance(block, Paragraph):
        return None if block.page in pages else block
    rows = [row for row in block.rows
            if not row or any((cell.page or block.page) not in pages for cell in row)]
    if not any(rows):
        return None
    return Table(block.index, rows, block.page)


def _assemble(extract: Extract, outcomes: list[PageOutcome]) -> list[Block]:
    """The carrier's blocks with OCR'd pages replaced, in page order; tables renumbered."""
    ocr_blocks = {o.page: o.blocks for o in outcomes if o.error is None}
    kept = [b for b in (_without_pages(b, set(ocr_blocks)) for b in extract.blocks) if b]
    # sorted() is stable: within a page the carrier's (or OCR's) reading order stays.
    ordered = sorted(kept + [b for blocks in ocr_blocks.values() for b in blocks],
                     key=lambda b: b.page or 0)
    index = 0
    for block in ordered:
        if isinstance(block, Table):
            block.index = index
            index += 1
    return ordered


def _ocr_notes(outcomes: list[PageOutcome]) -> list[dict[str, Any]]:
    return [{"page": o.page, "ocr": o.note} for o in outcomes if o.error is None]


def refine_pdf(data: bytes, extract: Extract, progress: Progress | None = None,
               cache_dir: Path | None = None) -> Extract:
    """OCR the pages whose text layer cannot be trusted; cheap (no rendering) when all can."""
    try:
        verdicts = judge_pages(data, extract)
    except UnreadableFile as error:
        extract.errors.append(f"OCR: {error.message}")
        return extract
    _merge_notes(extract, [v.note() for v in verdicts])
    wanted = [v.page - 1 for v in verdicts if v.decision == "ocr"]
    if not wanted:
        return extract
    if len(wanted) > MAX_OCR_PAGES:
        extract.errors.append(f"{len(wanted)} pages need OCR: read the first {MAX_OCR_PAGES} only")
        wanted = wanted[:MAX_OCR_PAGES]
    outcomes = ocr_pages(PageSource("pdf", data), wanted, progress=progress, cache_dir=cache_dir)
    _merge_notes(extract, _ocr_notes(outcomes))
    extract.errors.extend(o.error for o in outcomes if o.error)
    read = [o for o in outcomes if o.error is None]
    if not read:
        return extract
    extract.blocks = _assemble(extract, read)
    # A second reading of the text layer says nothing about a page read from its picture.
    replaced = {o.page for o in read}
    extract.readings = {name: [b for b in (_without_pages(b, replaced) for b in blocks) if b]
                        for name, blocks in extract.readings.items()}
    if len(read) == len(wanted):
        extract.errors = [e for e in extract.errors if not e.startswith(_CARRIER_OCR_ERRORS)]
    trusted = [v for v in verdicts if v.decision == "text-layer" and v.stats["chars"] >= MIN_TEXT_CHARS]
    extract.method = "mixed" if trusted or len(read) < len(wanted) else "ocr"
    return extract


def reread_pages(data: bytes, extract: Extract, pages: list[int], progress: Progress | None = None,
                 cache_dir: Path | None = None) -> tuple[list[Block], list[int]]:
    """A third reading: the extract's blocks with the given pages read again from their pictures.

    Returns the blocks and the pages OCR really read (a page it could not read keeps the
    carrier's blocks, which say nothing new about it)."""
    outcomes = ocr_pages(PageSource("pdf", data), [p - 1 for p in pages], progress=progress,
                         cache_dir=cache_dir)
    read = [o for o in outcomes if o.error is None]
    return _assemble(extract, read), [o.page for o in read]


def extract_image(data: bytes, progress: Progress | None = None, cache_dir: Path | None = None) -> Extract:
    """OCR an image file (JPG, PNG, TIFF; every frame of a multi-page TIFF) as a report."""
    source = PageSource("image", data)
    return _read_images(source, source.count(), "image file", progress, cache_dir)


def extract_images(images: list[bytes], progress: Progress | None = None,
                   cache_dir: Path | None = None) -> Extract:
    """OCR several image files as the pages of one report, in order (a page made of pictures)."""
    source = ImageSet(tuple(images))
    return _read_images(source, source.count(), "page image", progress, cache_dir)


def _read_images(source: Pages, pages: int, reason: str, progress: Progress | None,
                 cache_dir: Path | None) -> Extract:
    """OCR every page of an image source (at most MAX_OCR_PAGES); unreadable pages are noted."""
    result = Extract(carrier="image", method="ocr", pages=pages)
    if pages > MAX_OCR_PAGES:
        result.errors.append(f"{pages} images: read the first {MAX_OCR_PAGES} only")
    outcomes = ocr_pages(source, list(range(min(pages, MAX_OCR_PAGES))), progress=progress,
                         cache_dir=cache_dir)
    result.errors.extend(o.error for o in outcomes if o.error)
    if all(o.error for o in outcomes):
        raise UnreadableFile("; ".join(result.errors) or "no image to read")
    result.blocks = _assemble(result, outcomes)
    result.page_notes = [{"page": o.page, "decision": "ocr", "reasons": [reason],
                          "ocr": o.note} for o in outcomes if o.error is None]
    return result
