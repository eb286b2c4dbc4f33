"""What a parse worker runs: one archived file, one page of a file to OCR, or one 图片版 page, read by
digest from shared storage.

A worker finds the archive's blobs under $HARVESTER_ARCHIVE (set by `harvester parse-workers
--archive`); each job parses under the per-document isolation of harvester.db.isolation, so a
file that crashes or overruns the parser is a recorded result, and the worker lives on. A blob the
worker cannot see is the worker's fault, not the file's: that raises, and the load stops saying so.

A scan's pages are read by several workers at once: its first parse job stops short of OCR and names
the pages missing from the page cache (shared, under the archive root: $HARVESTER_OCR_CACHE must be
shared storage too when set), each page is a job of its own that fills the cache, and the file's
second parse job finds every page read (one that is not, it reads itself).
"""

from __future__ import annotations

import socket
from functools import partial
from pathlib import Path

from distributed import Worker

from harvester.archive.store import BlobStore
from harvester.config import Layout, archive_root
from harvester.db.isolation import ArchiveFault, KeptChild, parse_archived, trusted_bytes
from harvester.db.pictures import PicturePage, parse_picture_page
from harvester.parse.converter import process_pool
from harvester.parse.model import ParseResult
from harvester.parse.ocr import cache
from harvester.parse.ocr.engine import load_models
from harvester.parse.ocr.pool import PagesToRead, read_source_page
from harvester.parse.ocr.render import PageSource


# The child that reads this worker's page jobs, kept from one to the next (forked with the first).
PAGE_READER = KeptChild()


class BlobUnreachable(RuntimeError):
    """A parse worker cannot read a blob the load asked for: its archive storage is not the load's."""


def dask_setup(server: object) -> None:
    """Dask's hook for a preload module, run as each process preloading it starts. A parse worker
    loads the OCR models there, and each job's parse child (forked from it) inherits them instead of
    loading them for every OCR'd document (~1 CPU s each; a 图片版 page's OCR is ~3 s). The scheduler
    preloads this module only to have imported it (it unpickles every job it is sent, and the first
    job that named this module waited ~0.4 s for the import): it loads no model."""
    if isinstance(server, Worker):
        load_models()


def parse_blob(sha256: str, ocr_elsewhere: bool = False) -> ParseResult | PagesToRead:
    """Parse one archived blob in a child of its own (a failure is a result of kind "error"); with
    `ocr_elsewhere`, the pages it must OCR that the page cache lacks, if any, instead."""
    root = _root_holding([sha256])
    process_pool()  # this worker's LibreOffice listener, kept for the jobs that follow
    [result] = parse_archived(root, [sha256], workers=1, ocr_elsewhere=ocr_elsewhere)
    return result


def read_page(sha256: str, kind: str, index: int) -> str | None:
    """OCR page `index` (0-based) of an archived file into the page cache, in the worker's page reader
    (a child kept between page jobs, replaced when one kills it); why it could not be read, or None.
    Either way the file's parse job reads the page itself if need be."""
    root = _root_holding([sha256])
    error, failure = PAGE_READER.call(partial(_read_into_cache, root, sha256, kind), index)
    return error or failure


def _read_into_cache(root: Path, sha256: str, kind: str, index: int) -> str | None:
    """In a child: read one page through the page cache; its error, or None."""
    try:
        source = PageSource(kind, trusted_bytes(root, sha256))
    except ArchiveFault as fault:
        return str(fault)
    return read_source_page(source, index, threads=1, cache_dir=cache.cache_dir(Layout(root).ocr_cache)).error


def parse_page(page: PicturePage) -> ParseResult:
    """Parse one 图片版 page with its pictures, in a child of its own."""
    root = _root_holding([page.sha256, *(sha for _, sha in page.pictures)])
    return parse_picture_page(root, page)


def _root_holding(shas: list[str]) -> Path:
    """This worker's archive root, once it is seen to hold every blob named."""
    root = archive_root()
    store = BlobStore(root)
    missing = [sha for sha in shas if not store.path(sha).is_file()]
    if missing:
        raise BlobUnreachable(
            f"parse worker on {socket.gethostname()} has no blob {missing[0]} under {Layout(root).blobs}:"
            f" start it with `harvester parse-workers --archive DIR`, DIR being the archive as mounted there")
    return root
