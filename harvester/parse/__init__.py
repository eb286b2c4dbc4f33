"""Parse one annual report, in any carrier, into the canonical facts.

    >>> from harvester.parse import parse_file
    >>> result = parse_file("report.pdf")
    >>> result.facts["apply.new.total"]

The carrier is sniffed from the content, never from the file name.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from harvester.parse.errors import UnreadableFile
from harvester.parse.interpret import interpret
from harvester.parse.interpret.readings import disputed_pages
from harvester.parse.limits import read_file
from harvester.parse.model import Extract, ParseResult
from harvester.parse.sniff import sniff

if TYPE_CHECKING:  # the OCR stack loads only when a file needs it
    from harvester.progress import Progress

PARSER_VERSION = "15"
"""Bumped whenever the output for the same bytes can change; the database re-parses on change."""

# Sniffed carrier -> module whose `extract(data) -> Extract` reads it.
CARRIERS = {
    "text": "harvester.parse.carriers.text",
    "html": "harvester.parse.carriers.html",
    "docx": "harvester.parse.carriers.docx",
    "doc": "harvester.parse.carriers.doc",
    "pdf": "harvester.parse.carriers.pdf",
    # A zip that is not a plain DOCX: the docx carrier says why (zip bomb, corrupt, not Word).
    "zip": "harvester.parse.carriers.docx",
}
THIRD_READING = "ocr"
MAX_DISPUTED_PAGES = 3  # a report's tables fill 2-3 pages; more than that disputed is a bad file

UNREADABLE = {
    "empty": "empty file",
    "binary": "not a document: binary content of no known format",
}


def parse_file(path: str | Path, progress: Progress | None = None,
               ocr_cache: Path | None = None) -> ParseResult:
    """Parse the file at `path`; one that is no regular file, or too big, is unreadable (see read_file)."""
    try:
        data = read_file(path)
    except UnreadableFile as error:
        return ParseResult(path=str(path), sha256="", carrier="unknown", kind="unreadable",
                           errors=[str(error)], parser_version=PARSER_VERSION)
    return parse_bytes(data, str(path), progress, ocr_cache)


def parse_bytes(data: bytes, name: str, progress: Progress | None = None,
                ocr_cache: Path | None = None) -> ParseResult:
    """Parse a report held in memory; `name` is only recorded, never used to guess the type.
    `progress` hears of every page OCR reads (scans, pictures); `ocr_cache` is the folder of
    the OCR page cache (default: see harvester.parse.ocr.cache)."""
    carrier, sha256 = sniff(data), hashlib.sha256(data).hexdigest()

    def blank() -> ParseResult:
        return ParseResult(path=name, sha256=sha256, carrier=carrier, parser_version=PARSER_VERSION)

    try:
        extract = _extract(carrier, data, progress, ocr_cache)
    except UnreadableFile as error:
        return replace(blank(), kind="unreadable", errors=[str(error)])
    result = interpret(extract, blank())
    disputed = disputed_pages(result, MAX_DISPUTED_PAGES) if carrier == "pdf" else []
    if not disputed:
        return result
    # A third reading of the disputed pages, from their pictures (OCR runs only where needed).
    from harvester.parse import ocr
    extract.readings[THIRD_READING], extract.reading_pages[THIRD_READING] = ocr.reread_pages(
        data, extract, disputed, progress, ocr_cache)
    return interpret(extract, blank())


def _extract(carrier: str, data: bytes, progress: Progress | None, ocr_cache: Path | None) -> Extract:
    if carrier in UNREADABLE:
        raise UnreadableFile(UNREADABLE[carrier])
    if carrier == "image":
        from harvester.parse import ocr
        return ocr.extract_image(data, progress, ocr_cache)
    extract = importlib.import_module(CARRIERS[carrier]).extract(data)
    if carrier == "pdf":
        from harvester.parse import ocr
        extract = ocr.refine_pdf(data, extract, progress, ocr_cache)
    return extract
