"""Distributed crawls: seed a crawl's start columns into Redis and run N scrapy-redis worker processes.

One crawl id names the Redis keys (harvester:<crawl>:requests|dupefilter|start_urls) and
prefixes each worker's run id (<crawl>-<host>-w<N>) in the fetch log. Workers on other
machines join the same crawl with the same crawl id and Redis URL (see docs/OPERATING.md).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from harvester.archive.fetchlog import FetchLog
from harvester.config import Layout, archive_root
from harvester.operate.frontier import mark_begun
from harvester.registry import Site, entries

SETTINGS_MODULE = "harvester.operate.distributed_settings"
SPIDER = "distributed"


@dataclass(frozen=True)
class Crawl:
    """One distributed crawl: its id, Redis URL and archive root."""

    crawl_id: str
    redis_url: str
    archive: Path

    @property
    def prefix(self) -> str:
        return f"harvester:{self.crawl_id}"

    def settings(self) -> dict[str, str]:
        """The -s overrides every worker of this crawl gets."""
        return {
            "REDIS_URL": self.redis_url,
            "SCHEDULER_QUEUE_KEY": f"{self.prefix}:requests",
            "SCHEDULER_DUPEFILTER_KEY": f"{self.prefix}:dupefilter",
            "REDIS_START_URLS_KEY": f"{self.prefix}:start_urls",
            "HARVESTER_ARCHIVE": str(archive_root(self.archive)),
        }

    def client(self) -> redis.Redis:
        """A Redis client."""
        return redis.Redis.from_url(self.redis_url)


def seed(crawl: Crawl, sites: list[Site]) -> int:
    """Push every column of `sites` as a JSON start entry; returns how many.

    The registry entries are recorded in the archive as the crawl's own run (status 'seeded', no
    fetches; its workers' runs are <crawl>-<host>-w<N>), so `harvester load` takes the agencies from it.
    """
    starts = [json.dumps({"site": s.id, "url": url, "browser": s.render == "browser", "cms": s.cms})
              for s in sites for url in s.start_urls]
    start_key = crawl.settings()["REDIS_START_URLS_KEY"]
    log = FetchLog(Layout.of(crawl.archive).fetch_log)
    try:
        log.start_run(crawl.crawl_id, SPIDER, None, registry=entries(sites))
        if starts:
            crawl.client().rpush(start_key, *starts)
        mark_begun(crawl.client(), start_key)  # even with no columns: the workers need not wait for more
        log.finish_run(crawl.crawl_id, "seeded", {"start_columns": len(starts)})
    finally:
        log.close()
    return len(starts)


@dataclass
class Worker:
    """One running worker process."""

    name: str
    run_id: str
    process: subprocess.Popen
    log: Path


def start_worker(crawl: Crawl, number: int, settings: dict[str, str] | None = None, log_dir: Path | None = None) -> Worker:
    """Start worker `number` of this machine as `scrapy crawl distributed` in its own process group."""
    name = f"{socket.gethostname()}-w{number}"
    run_id = f"{crawl.crawl_id}-{name}"
    overrides = {**crawl.settings(), "HARVESTER_WORKER_ID": name, **(settings or {})}
    args = [sys.executable, "-m", "scrapy", "crawl", SPIDER, "-a", f"run_id={run_id}"]
    for key, value in overrides.items():
        args += ["-s", f"{key}={value}"]
    root = archive_root(crawl.archive)
    log_dir = log_dir or Layout(root).logs
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{run_id}.log"
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": SETTINGS_MODULE, "PYTHONUNBUFFERED": "1"}
    with open(log, "ab") as out:
        process = subprocess.Popen(args, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    return Worker(name, run_id, process, log)


@dataclass
class Outcome:
    """How the workers ended."""

    returncodes: dict[str, int] = field(default_factory=dict)
    timed_out: bool = False
    seconds: float = 0.0


def wait(workers: list[Worker], timeout: float | None = None) -> Outcome:
    """Wait for every worker; past `timeout` seconds, stop the rest (SIGTERM, then SIGKILL)."""
    began = time.monotonic()
    outcome = Outcome()
    for worker in workers:
        left = None if timeout is None else max(0.1, timeout - (time.monotonic() - began))
        try:
            worker.process.wait(timeout=left)
        except subprocess.TimeoutExpired:
            outcome.timed_out = True
            stop(worker)
        outcome.returncodes[worker.name] = worker.process.returncode
    outcome.seconds = round(time.monotonic() - began, 2)
    return outcome


def stop(worker: Worker, grace: float = 20) -> None:
    """Stop a worker cleanly (it gives its in-flight requests back), or kill it."""
    os.killpg(worker.process.pid, signal.SIGTERM)
    try:
        worker.process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(worker.process.pid, signal.SIGKILL)
        worker.process.wait()


def finish(crawl: Crawl) -> bool:
    """Delete the crawl's Redis keys if its frontier is empty; False (keys kept) otherwise."""
    client = crawl.client()
    keys = list(client.scan_iter(match=f"{crawl.prefix}:*"))
    pending = client.llen(f"{crawl.prefix}:requests") + client.llen(f"{crawl.prefix}:start_urls")
    pending += sum(client.llen(k) for k in keys if b":inflight:" in k)
    if pending:
        return False
    if keys:
        client.delete(*keys)
    return True


def start_local_redis(folder: Path, binary: str = "/usr/bin/redis-server") -> tuple[subprocess.Popen, str]:
    """A private redis-server on a free 127.0.0.1 port without persistence (tests, benchmarks, one-host crawls)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                               "--dir", str(folder)], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(200):
        try:
            redis.Redis.from_url(url).ping()
            return server, url
        except redis.ConnectionError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError(f"{binary} did not answer on port {port}")
