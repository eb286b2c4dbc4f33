"""Helpers for the publish tests: the seed corpus, archiving files as the crawler does."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from harvester.archive.fetchlog import Fetch, FetchLog
from harvester.archive.store import BlobStore
from harvester.registry import Site

REPO = Path(__file__).resolve().parents[2]
REPORTS = REPO / "tests" / "fixtures" / "reports"
SEED_TEXTS = Path("/work/shared/seeds")
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".pdf": "application/pdf",
                 ".doc": "application/msword", ".txt": "text/plain; charset=utf-8",
                 ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
# OCR variants (.scan.pdf, ...) cost seconds a page and are the parser's to test.
CARRIER_SUFFIXES = (".html", ".docx", ".pdf")
SEEDS = sorted(p.name for p in REPORTS.iterdir() if (p / "expected.json").exists())


def expected(seed: str) -> dict[str, Any]:
    """The golden facts of one seed report (hand-checked by the lead)."""
    return json.loads((REPORTS / seed / "expected.json").read_text(encoding="utf-8"))


def seed_text(seed: str) -> str:
    """The seed report as text (the corpus copy, else the shared seed)."""
    path = REPORTS / seed / f"{seed}.txt"
    return (path if path.exists() else SEED_TEXTS / f"{seed}.txt").read_text(encoding="utf-8")


def seed_files(seed: str) -> list[Path]:
    """The seed in each main carrier (the fixture corpus), or its text while it is not built."""
    files = [REPORTS / seed / f"{seed}{suffix}" for suffix in CARRIER_SUFFIXES]
    return [p for p in files if p.exists()] or [SEED_TEXTS / f"{seed}.txt"]


def site_of(seed: str, sites: list[Site]) -> str:
    """The registry id of the seed's agency."""
    return next(s.id for s in sites if s.agency == expected(seed)["agency"])


def archive_files(root: Path, files: list[tuple], run_id: str = "test") -> None:
    """Archive (site, url, bytes[, fetch fields]) as the crawler would: blob, then fetch-log row.

    The optional fourth item sets Fetch fields (kind, link_text, referer); default: an
    attachment found under no link text."""
    store, log = BlobStore(root), FetchLog(root / "archive.db")
    try:
        for site, url, data, *provenance in files:
            sha256 = store.put(data)
            fields = {"kind": "attachment", **(provenance[0] if provenance else {})}
            log.record(Fetch(run_id=run_id, url=url, final_url=url, site=site, sha256=sha256,
                             size=len(data), content_type=CONTENT_TYPES.get(Path(url).suffix),
                             warc_file=f"{site}-{run_id}-0.warc.gz", warc_offset=0, **fields))
    finally:
        log.close()


def seed_archive_files(sites: list[Site]) -> list[tuple[str, str, bytes]]:
    """Every carrier of every seed, as (site, url, bytes) on its agency's portal."""
    return [(site_of(seed, sites), f"http://127.0.0.1/{seed}/{path.name}", path.read_bytes())
            for seed in SEEDS for path in seed_files(seed)]



def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(root: Path, *options: str) -> Iterator[str]:
    """`harvester serve [options]` on the archive at `root`, as a real server; yields its base URL."""
    port = free_port()
    with served([sys.executable, "-m", "harvester", "serve", "--archive", str(root),
                 "--port", str(port), *options], port) as base:
        yield base


@contextmanager
def served(command: list[str], port: int) -> Iterator[str]:
    """Run `command`, a server listening on `port`, until the block ends; yields its base URL."""
    # Its log goes to a file: a pipe nobody reads fills after some hundred requests and the
    # server then blocks on its next log line.
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        while process.poll() is None:  # until it answers, or exits
            try:
                if httpx.get(f"{base}/-/versions.json", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            log.seek(0)
            raise RuntimeError(f"datasette did not start: {log.read().decode(errors='replace')}")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@dataclass
class WatchedPage:
    """A browser page with what it reported: console and page errors, hosts it requested."""

    page: Any
    errors: list[str] = field(default_factory=list)
    hosts: set[str] = field(default_factory=set)


@contextmanager
def watched_page(browser) -> Iterator[WatchedPage]:
    """A new page of `browser` recording its errors and the hosts it loads from; closed after."""
    watched = WatchedPage(browser.new_page())
    watched.page.on("console", lambda m: watched.errors.append(m.text) if m.type == "error" else None)
    watched.page.on("pageerror", lambda e: watched.errors.append(str(e)))
    watched.page.on("request", lambda r: watched.hosts.add(urlsplit(r.url).netloc))
    try:
        yield watched
    finally:
        watched.page.close()
