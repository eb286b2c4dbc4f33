"""A Dask parse worker keeps one LibreOffice listener for all its DOC jobs (a start costs ~9 s),
and the listener and its folder go when the worker is killed. Real scheduler, worker, soffice."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from distributed import Client
from doc_helpers import DOCS, assert_read_by_libreoffice, needs_listener, pool_folders, wait_for

from harvester.archive.store import BlobStore
from harvester.cluster.jobs import parse_blob
from harvester.cluster.local import start_scheduler, start_workers
from harvester.parse.converter import Pool, listeners, starts


@needs_listener
@pytest.mark.timeout(600)
def test_a_cluster_worker_converting_two_docs_starts_one_listener(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    root, tmp = tmp_path / "archive", tmp_path / "tmp"
    tmp.mkdir()
    store = BlobStore(root)
    shas = {store.put(path.read_bytes()): path for path in DOCS[:2]}
    monkeypatch.setenv("TMPDIR", str(tmp))  # the worker's pool folder lands here
    scheduler, address = start_scheduler(tmp_path)
    worker = start_workers(address, root, 1, "doc", tmp_path)
    try:
        with Client(address, set_as_default=False) as client:
            client.wait_for_workers(1, timeout=180)
            for sha, path in shas.items():  # one job after the other, as a worker thread runs them
                assert_read_by_libreoffice(client.submit(parse_blob, sha, pure=False).result(), path)
        folders = pool_folders(tmp)
        assert len(folders) == 1, f"the worker kept no LibreOffice pool for its next jobs: {folders}"
        pool = Pool(folders[0], 0, 1)
        [listener] = listeners(pool)
        assert len(starts(pool)) == 1 and listener.alive()  # the worker keeps it for its next jobs
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # the worker's machine dies
        worker.wait()
        scheduler.terminate()
        scheduler.wait(timeout=30)
    wait_for(lambda: not listener.alive() and not pool_folders(tmp), "the worker's listener outlived it",
             timeout=60)
