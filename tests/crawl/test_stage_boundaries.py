"""The crawl meets the parser only at the archive and the operating layer not at all: it imports
neither, and its picture rule keeps to the limit OCR reads."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

from harvester.crawl.pictures import MAX_PICTURES
from harvester.parse.ocr.limits import MAX_OCR_PAGES

REPO = Path(__file__).resolve().parents[2]
# Everything a crawl process loads: the runner, both spiders, the settings and every component they enable.
CRAWL = """
import importlib, sys
from harvester.crawl import runner, settings
import spiders.discovery, spiders.distributed
for name in [*settings.DOWNLOADER_MIDDLEWARES, *settings.EXTENSIONS, *getattr(settings, "ITEM_PIPELINES", {})]:
    importlib.import_module(name.rsplit(".", 1)[0])
loaded = sorted(m for m in sys.modules if m.startswith("harvester."))
print(" ".join(loaded))
"""


@functools.cache
def modules_a_crawl_loads() -> tuple[str, ...]:
    """The harvester modules a fresh interpreter holds after loading everything a crawl uses."""
    run = subprocess.run([sys.executable, "-c", CRAWL], capture_output=True, text=True, cwd=REPO, check=True)
    return tuple(run.stdout.split())


def test_a_crawl_process_never_imports_the_parser() -> None:
    loaded = modules_a_crawl_loads()
    assert "harvester.crawl.pictures" in loaded and "harvester.crawl.archiving" in loaded
    assert [name for name in loaded if name.startswith("harvester.parse")] == []


def test_a_crawl_process_never_imports_the_operating_layer() -> None:
    """Operating drives the crawl (scheduler, workers); the crawl must not lean back on it."""
    loaded = modules_a_crawl_loads()
    assert "harvester.crawl.runner" in loaded and "harvester.crawl.archiving" in loaded
    assert [name for name in loaded if name.startswith("harvester.operate")] == []


def test_the_crawl_fetches_as_many_pictures_as_ocr_reads() -> None:
    assert MAX_PICTURES == MAX_OCR_PAGES
