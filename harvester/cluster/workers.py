"""Parse workers: `dask worker` processes that find the archive's blobs on their host.

Each worker process runs one job at a time (one thread) and OCRs with one process, so N workers
use N cores; $HARVESTER_ARCHIVE tells the jobs where the archive is mounted on this host.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from harvester.parse.converter import POOL_ENV
from harvester.parse.ocr.limits import OCR_WORKERS_ENV


JOBS_MODULE = "harvester.cluster.jobs"
# Dask's housekeeping, slowed for processes that do long CPU-bound jobs and serve no dashboard: its
# statistical profiler (every 10 ms), event-loop health check (20 ms), system monitor (500 ms) and
# memory monitor (100 ms; each parse child has a memory limit of its own) took an idle worker 6.7 %
# of a core, 0.5 % with these (taken from OCR when the cores are busy).
QUIET_WORKER_CONFIG = {
    "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False",
    "DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL": "1s",
    "DASK_DISTRIBUTED__ADMIN__SYSTEM_MONITOR__INTERVAL": "5s",
    "DASK_DISTRIBUTED__WORKER__MEMORY__MONITOR_INTERVAL": "1s",
}


def worker_argv(scheduler: str, processes: int, name: str | None = None) -> list[str]:
    """The `dask worker` command line of `processes` one-thread workers of `scheduler`."""
    # The jobs' module (and the parse stack it imports, ~1 CPU s) is loaded as each worker process
    # starts, not by its first job: a worker joins the scheduler ready to parse.
    argv = [sys.executable, "-m", "distributed.cli.dask_worker", scheduler,
            "--nworkers", str(processes), "--nthreads", "1", "--no-dashboard",
            "--preload", JOBS_MODULE]
    return argv + (["--name", name] if name else [])


def worker_env(root: Path) -> dict[str, str]:
    """This process's environment, with the archive root and one OCR process per worker."""
    # Worker processes are not daemons: each parse runs in a child of its own (harvester.db.isolation).
    env = {**os.environ, **QUIET_WORKER_CONFIG, "HARVESTER_ARCHIVE": str(root), "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    env.pop(POOL_ENV, None)  # each worker process keeps a LibreOffice pool of its own (process_pool)
    env.setdefault(OCR_WORKERS_ENV, "1")
    return env


def run_workers(scheduler: str, root: Path, processes: int, name: str | None = None) -> None:
    """Become the `dask worker` process (never returns): it restarts a worker process that dies."""
    argv = worker_argv(scheduler, processes, name)
    os.execve(argv[0], argv, worker_env(root))
