"""Run the discovery spider in a subprocess (`python -m scrapy crawl discovery`) and summarise the run.

A subprocess, because Twisted's reactor cannot restart inside one process (the demo and the scheduler
crawl many times), and because a crawl must be killable without taking its caller down.
"""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from harvester.archive.fetchlog import FetchLog, new_run_id
from harvester.config import Layout, archive_root
from harvester.processes import pid_alive

SETTINGS_MODULE = "harvester.crawl.settings"
# Log lines worth showing as progress (Scrapy's per-minute stats, our spider, problems).
PROGRESS_MARKERS = ("Crawled ", "[discovery]", "ERROR", "Spider closed", "Traceback")

# Politeness off, for crawling the replica portal on 127.0.0.1 (tests, demo, benchmarks).
LOOPBACK_SETTINGS = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "CONCURRENT_REQUESTS_PER_DOMAIN": "8"}


PR_SET_PDEATHSIG = 1  # prctl(2) option: the signal a process gets when its parent dies


class CrawlError(RuntimeError):
    """A crawl could not be started (bad arguments)."""


def crawl_command(
    *,
    sites: list[str] | None = None,
    url: str | None = None,
    registry: str | Path | None = None,
    portal: str | None = None,
    archive: str | Path | None = None,
    run_id: str,
    jobdir: str | Path | None = None,
    settings: dict[str, str] | None = None,
    max_pages: int | None = None,
) -> list[str]:
    """The `python -m scrapy crawl discovery ...` argument list for one run (`max_pages`: stop after that
    many responses, Scrapy's CLOSESPIDER_PAGECOUNT; what is in flight then still ends in the fetch log)."""
    if not (url or sites or registry):
        raise CrawlError("give a start URL (--url) or registry site ids (--site), or a registry file")
    args = [sys.executable, "-m", "scrapy", "crawl", "discovery", "-a", f"run_id={run_id}"]
    if url:
        args += ["-a", f"url={url}"]
        if sites:
            args += ["-a", f"site={sites[0]}"]  # the label of the start URL
    elif sites:
        args += ["-a", f"site={','.join(sites)}"]
    if registry:
        args += ["-a", f"registry={Path(registry).resolve()}"]
    if portal:
        args += ["-a", f"portal={portal}"]
    overrides = {"HARVESTER_ARCHIVE": str(archive_root(archive)), **(settings or {})}
    if max_pages:
        overrides["CLOSESPIDER_PAGECOUNT"] = str(max_pages)
    if jobdir:
        overrides["JOBDIR"] = str(Path(jobdir).resolve())
    for name, value in overrides.items():
        args += ["-s", f"{name}={value}"]
    return args


def _die_with_parent(parent: int) -> None:
    """In the crawl child, before exec: ask for SIGTERM when the parent dies (a killed `harvester crawl`
    must not leave its crawl running, no longer bound by --timeout); Scrapy then closes cleanly."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the request was in place
        os._exit(1)


def start_crawl(run_id: str, **options) -> subprocess.Popen:
    """Start a crawl subprocess in its own process group (so it can be killed whole) that dies with its
    parent; stderr carries the log.

    It runs in the archive root, so nothing Scrapy writes by a relative path lands elsewhere.
    """
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": SETTINGS_MODULE, "PYTHONUNBUFFERED": "1"}
    root = archive_root(options.get("archive"))
    root.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        crawl_command(run_id=run_id, **options),
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
        preexec_fn=functools.partial(_die_with_parent, os.getpid()),
    )


def crawl(
    *,
    run_id: str | None = None,
    timeout: float | None = None,
    on_line: Callable[[str], None] | None = None,
    **options,
) -> dict:
    """Run one crawl to the end (or `timeout` seconds) and return its summary (see `summarise`).

    Options as `crawl_command`: sites, url, registry, portal, archive, jobdir, settings, max_pages.
    `on_line` receives progress lines of the Scrapy log. A fetch log that cannot be used (damaged, too
    new) raises FetchLogError before any request is made.
    """
    run_id = run_id or new_run_id()
    began = time.monotonic()
    FetchLog(Layout.of(options.get("archive")).fetch_log).close()  # one that cannot be used stops us here
    process = start_crawl(run_id, **options)
    expired = threading.Event()

    def expire() -> None:
        """Stop the whole crawl process group when the time is up (Scrapy closes cleanly on SIGTERM)."""
        expired.set()
        os.killpg(process.pid, signal.SIGTERM)

    timer = threading.Timer(timeout, expire) if timeout else None
    if timer:
        timer.start()
    tail: list[str] = []
    try:
        returncode = _follow(process, tail, on_line)
    except BaseException:  # Ctrl-C reaches our group, not the crawl's session: stop it too
        os.killpg(process.pid, signal.SIGTERM)
        raise
    finally:
        if timer:  # a live timer thread would keep this process (and its crawl) running until it fires
            timer.cancel()
    summary = summarise(run_id, options.get("archive"))
    summary.update(returncode=returncode, seconds=round(time.monotonic() - began, 2), timed_out=expired.is_set())
    if returncode != 0:
        summary["log_tail"] = tail
    return summary


def _follow(process: subprocess.Popen, tail: list[str], on_line: Callable[[str], None] | None) -> int:
    """Read the crawl's log to its end (its last lines kept in `tail`), then its exit status."""
    assert process.stderr is not None
    for line in process.stderr:
        tail[:] = (tail + [line.rstrip()])[-20:]
        if on_line and any(marker in line for marker in PROGRESS_MARKERS):
            on_line(line.rstrip())
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return process.wait()


def summarise(run_id: str, archive: str | Path | None = None) -> dict:
    """What a run did, from archive.db: its runs row, fetches per outcome and per kind."""
    path = Layout.of(archive).fetch_log
    if not path.exists():
        return {"run_id": run_id, "status": None, "outcomes": {}, "kinds": {}}
    log = FetchLog(path)
    try:
        log.interrupt_gone_runs(socket.gethostname(), pid_alive)  # a crawl killed before it could say so
        run = log.run(run_id) or {}
        kinds = log.kind_counts(run_id)
        return {
            "run_id": run_id,
            "status": run.get("status"),
            "outcomes": {k: v for k, v in log.outcome_counts(run_id).items() if v},
            "kinds": kinds,
        }
    finally:
        log.close()
