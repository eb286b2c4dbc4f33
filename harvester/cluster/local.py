"""A Dask cluster on this host, as separate processes: a scheduler and parse-worker groups
(tests, benchmarks, trying the cluster out before adding machines)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from harvester.cluster.workers import JOBS_MODULE

STARTUP_TIMEOUT_S = 120.0  # a loaded machine imports Dask slowly; past this the scheduler is broken


def start_scheduler(folder: Path) -> tuple[subprocess.Popen, str]:
    """`dask scheduler` on a free 127.0.0.1 port, the jobs' module preloaded; (process, address) once it
    listens."""
    address_file = folder / "scheduler.json"
    address_file.unlink(missing_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
         "--no-dashboard", "--scheduler-file", str(address_file), "--preload", JOBS_MODULE],
        stdout=subprocess.DEVNULL, stderr=(folder / "scheduler.log").open("ab"))
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            return process, json.loads(address_file.read_text())["address"]
        except (OSError, ValueError, KeyError):
            time.sleep(0.1)  # not written yet (or half written)
    process.kill()
    raise RuntimeError(f"the Dask scheduler did not start; see {folder / 'scheduler.log'}")


def start_workers(scheduler: str, archive: Path, processes: int, name: str, folder: Path) -> subprocess.Popen:
    """`harvester parse-workers` in a session of its own (so one killpg is a machine lost)."""
    return subprocess.Popen(
        [sys.executable, "-m", "harvester", "parse-workers", scheduler, "--archive", str(archive),
         "--workers", str(processes), "--name", name],
        stdout=subprocess.DEVNULL, stderr=(folder / f"{name}.log").open("ab"), start_new_session=True)
