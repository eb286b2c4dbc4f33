"""What a parse worker runs: one archived file, or one 图片版 page, read by digest from shared storage.

A worker finds the archive's blobs under $HARVESTER_ARCHIVE (set by `harvester parse-workers
--archive`); each job parses under the per-document isolation of harvester.db.isolation, so a
file that crashes or overruns the parser is a recorded result, and the worker lives on. A blob the
worker cannot see is the worker's fault, not the file's: that raises, and the load stops saying so.
"""

from __future__ import annotations

import socket
from pathlib import Path

from harvester.archive.store import BlobStore
from harvester.config import Layout, archive_root
from harvester.db.isolation import parse_archived
from harvester.db.pictures import PicturePage, parse_picture_page
from harvester.parse.converter import process_pool
from harvester.parse.model import ParseResult
from harvester.parse.ocr.engine import load_models


class BlobUnreachable(RuntimeError):
    """A parse worker cannot read a blob the load asked for: its archive storage is not the load's."""


def dask_setup(worker: object) -> None:
    """Dask's hook for a preload module, run as each worker process starts: the OCR models are
    loaded once there, and each job's parse child (forked from it) inherits them instead of
    loading them for every OCR'd document (~1 CPU s each; a 图片版 page's OCR is ~3 s)."""
    load_models()


def parse_blob(sha256: str) -> ParseResult:
    """Parse one archived blob in a child of its own (a failure is a result of kind "error")."""
    root = _root_holding([sha256])
    process_pool()  # this worker's LibreOffice listener, kept for the jobs that follow
    [result] = parse_archived(root, [sha256], workers=1)
    return result


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
