"""Bounds and settings of the OCR stage, so bad input costs bounded time and memory."""

from __future__ import annotations

import os

# ~200 dpi keeps 10.5 pt CJK glyphs ~29 px tall, well inside what the recogniser reads
# reliably; more only costs time.
RENDER_DPI = 200
# An A4 page at 200 dpi is ~3.9 MP; 12 MP caps an oversized page (A3 at 300 dpi) before rendering.
MAX_PAGE_PIXELS = 12_000_000
# A 600 dpi A4 scan is ~35 MP; anything bigger is not a report page and would cost
# gigabytes to decode, so it is refused from the header alone.
MAX_IMAGE_PIXELS = 50_000_000
# Pages are scaled so their long side is at most this many pixels (~200 dpi on A4).
MAX_LONG_SIDE = 2400
# Reports run 5-30 pages; OCR beyond this is a mis-crawled book and would stall a worker.
MAX_OCR_PAGES = 60
# Whole-document OCR budget; a page takes ~3 s, so this is generous for MAX_OCR_PAGES.
DOCUMENT_TIMEOUT_S = 900
OCR_WORKERS_ENV = "HARVESTER_OCR_WORKERS"  # how many OCR processes (default: every core)


def worker_count() -> int:
    """Processes for OCR: $HARVESTER_OCR_WORKERS, else every core."""
    env = os.environ.get(OCR_WORKERS_ENV)
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return os.cpu_count() or 1
