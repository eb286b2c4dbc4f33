"""Run page OCR across cores, through the page cache, with progress and a time budget."""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from harvester.parse.errors import UnreadableFile
from harvester.parse.model import Block
from harvester.parse.ocr import cache
from harvester.parse.ocr.crops import INK_LEVEL
from harvester.parse.ocr.limits import DOCUMENT_TIMEOUT_S, worker_count
from harvester.parse.ocr.page import read_page
from harvester.parse.ocr.render import Pages, PageSource
from harvester.progress import Progress

OCR_STAGE = "OCR pages"  # the stage named in progress calls


@dataclass
class PageOutcome:
    """What OCR made of one page: blocks and a note, or an error."""

    page: int  # 1-based
    blocks: list[Block] = field(default_factory=list)
    note: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def _file_page(source: Pages, index: int) -> str | None:
    """The page cache's name for page `index` of a file (None for a set of images: no one file)."""
    return cache.file_page_key(source.digest, source.kind, index) if isinstance(source, PageSource) else None


def read_source_page(source: Pages, index: int, threads: int, cache_dir: Path) -> PageOutcome:
    """Load, OCR (or fetch from the page cache in `cache_dir`) page `index` of a source. A file's page
    read before is found through its file's link, without rendering it ("rendered": False)."""
    page = index + 1
    try:
        file_page = _file_page(source, index)
        key = cache.linked(file_page, cache_dir) if file_page else None
        cached = cache.load(key, cache_dir, page) if key else None
        if cached is not None:
            blocks, note = cached
            return PageOutcome(page, blocks, {**note, "cached": True, "rendered": False})
        image = source.load(index)
        key = cache.page_key(image.gray)
        cached = cache.load(key, cache_dir, page)
        if cached is None:
            blocks, note = read_page(image, page, threads)
            cache.store(key, blocks, note, cache_dir)
        else:
            blocks, note = cached
        if file_page:
            cache.link(file_page, key, cache_dir)
        return PageOutcome(page, blocks, {**note, "cached": cached is not None, "rendered": True})
    except UnreadableFile as error:
        return PageOutcome(page, error=f"page {page}: {error.message}")
    except Exception as error:  # noqa: BLE001 - one bad page (OpenCV/ONNX error) must not sink the report
        return PageOutcome(page, error=f"page {page}: OCR failed: {type(error).__name__}: {error}")


@dataclass(frozen=True)
class PagesToRead:
    """Pages of a file (a PageSource of `kind` over its bytes) that are not in the page cache yet,
    with each page's share of inked pixels: what its reading costs, roughly (a page's OCR time grows
    with the text on it: ~1.3 s for a blank-ish page, ~4-5 s for a full page of prose)."""

    kind: str
    indices: tuple[int, ...]
    inked: tuple[float, ...]

    def heaviest_first(self) -> list[tuple[int, float]]:
        """(index, inked share) of every page, the inkiest first."""
        return sorted(zip(self.indices, self.inked), key=lambda page: -page[1])


class OcrDeferred(BaseException):
    """Raised by ocr_pages under `deferring`: the pages are to be read elsewhere first (each by a parse
    worker of its own, into the shared page cache), and this parse to run again once they are. A
    BaseException: no parser's handler of its own failures takes it for one."""

    def __init__(self, pages: PagesToRead) -> None:
        super().__init__(f"{len(pages.indices)} pages to read before this parse")
        self.pages = pages


_DEFERRING: list[int] = []  # inside `deferring`: the fewest uncached pages worth reading elsewhere


@contextmanager
def deferring(fewest_pages: int = 2) -> Iterator[None]:
    """Within: ocr_pages on a file raises OcrDeferred instead of reading `fewest_pages` or more pages
    that are not in the page cache (fewer are read here: spreading one page gains nothing)."""
    _DEFERRING.append(fewest_pages)
    try:
        yield
    finally:
        _DEFERRING.pop()


def _defer_uncached(source: Pages, indices: list[int], cache_dir: Path) -> None:
    """Raise OcrDeferred when deferring and enough of the file's pages are not in the page cache."""
    if not _DEFERRING or not isinstance(source, PageSource) or len(indices) < _DEFERRING[-1]:
        return
    uncached: dict[int, float] = {}
    for index in indices:
        file_page = cache.file_page_key(source.digest, source.kind, index)
        linked = cache.linked(file_page, cache_dir)
        if linked and cache.holds(linked, cache_dir):
            continue  # read before: no need to render it
        try:
            gray = source.load(index).gray
        except Exception:  # noqa: BLE001 - a page that does not load is read here, to its recorded error
            continue
        key = cache.page_key(gray)
        if not cache.holds(key, cache_dir):
            uncached[index] = float(np.count_nonzero(gray < INK_LEVEL)) / gray.size
        else:  # read before (another file holding the same picture, or a lost link): linked now
            cache.link(file_page, key, cache_dir)
    if len(uncached) >= _DEFERRING[-1]:
        raise OcrDeferred(PagesToRead(source.kind, tuple(uncached), tuple(uncached.values())))


def _timed_out(page: int) -> PageOutcome:
    return PageOutcome(page, error=f"page {page}: not read, OCR over {DOCUMENT_TIMEOUT_S} s budget")


class _Workers:
    """The process's OCR worker pool, kept between documents: each worker loads the models once
    (~1 s), not once per report. Replaced when the worker count changes, killed on overrun."""

    def __init__(self) -> None:
        self.pool: multiprocessing.pool.Pool | None = None
        self.size = 0
        self.parents: multiprocessing.pool.Pool | None = None

    def get(self, size: int) -> multiprocessing.pool.Pool:
        """A running pool of `size` processes (forked now if there is none of that size)."""
        if self.pool is None or self.size != size:
            self.discard()
            self.pool, self.size = multiprocessing.get_context("fork").Pool(size), size
        return self.pool

    def discard(self) -> None:
        """Terminate the pool, abandoning whatever its workers are still doing."""
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None

    def forget(self) -> None:
        """In a forked child: the inherited pool's processes and threads are the parent's, so
        the child neither uses nor stops it, and forks its own when it needs one (the parent's
        is kept referenced, so that dropping it cannot try to stop it either)."""
        self.parents, self.pool, self.size = self.pool, None, 0


_WORKERS = _Workers()
os.register_at_fork(after_in_child=_WORKERS.forget)


def shutdown_workers() -> None:
    """Stop the OCR worker pool now (it is otherwise kept for the next document until exit)."""
    _WORKERS.discard()


def ocr_pages(source: Pages, indices: list[int], workers: int | None = None,
              progress: Progress | None = None, cache_dir: Path | None = None) -> list[PageOutcome]:
    """OCR the given 0-based pages in worker processes; outcomes come back in page order.

    Page readings are cached in `cache_dir` (see `cache.cache_dir`). Under `deferring`, pages of a file
    missing there raise OcrDeferred instead.

    Pages always run in child processes: the parent never starts ONNX runtime threads, so
    forking stays safe and a page that overruns the budget can be killed (with its pool).
    With fewer pages than workers, each page gets the spare cores as ONNX threads.
    """
    cache_dir = cache.cache_dir(cache_dir)
    _defer_uncached(source, indices, cache_dir)
    workers = workers or worker_count()
    threads = max(1, workers // max(1, min(workers, len(indices))))
    outcomes: dict[int, PageOutcome] = {}
    deadline = time.monotonic() + DOCUMENT_TIMEOUT_S
    pool = _WORKERS.get(workers)
    finished = False
    try:
        pending = {index: pool.apply_async(read_source_page, (source, index, threads, cache_dir))
                   for index in indices}
        while pending and time.monotonic() < deadline:
            for index in [i for i, job in pending.items() if job.ready()]:
                outcomes[index] = pending.pop(index).get()
                if progress:
                    progress(OCR_STAGE, len(outcomes), len(indices))
            time.sleep(0.05)
        for index in pending:
            outcomes[index] = _timed_out(index + 1)
        finished = not pending
    finally:
        if not finished:  # a page still running past the budget (or an interrupt): kill it
            _WORKERS.discard()
    return [outcomes[index] for index in indices]
