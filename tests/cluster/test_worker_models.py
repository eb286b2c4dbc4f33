"""A parse worker loads the OCR models once, as it starts, and the parse children forked from it
read pages with those models (each OCR'd document used to load them again, ~1 CPU s)."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import cloudpickle
from distributed import Client

from harvester.cluster.local import start_scheduler, start_workers
from harvester.parse.ocr import engine


def _loaded_in_worker_and_in_a_forked_child() -> tuple[bool, bool]:
    """(models loaded in this worker process, and in a child forked from it before it reads)."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.write(write, b"1" if engine.models_loaded() else b"0")
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    with os.fdopen(read, "rb") as answer:
        return engine.models_loaded(), answer.read() == b"1"


# The worker cannot import tests/: the job goes by value (a lambda, which plain pickle refuses, so
# Dask hands it to cloudpickle, which copies this module's functions it calls).
cloudpickle.register_pickle_by_value(sys.modules[__name__])


def test_a_parse_worker_and_its_parse_children_hold_the_models_from_the_start(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    scheduler, address = start_scheduler(tmp_path)
    workers = start_workers(address, archive, 1, "models", tmp_path)
    try:
        with Client(address, timeout=120) as client:
            client.wait_for_workers(1, timeout=120)
            assert client.submit(lambda: _loaded_in_worker_and_in_a_forked_child(), pure=False).result(120) == (True, True)
    finally:
        os.killpg(workers.pid, signal.SIGKILL)
        scheduler.kill()
        workers.wait()
        scheduler.wait()
