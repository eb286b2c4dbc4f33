"""DOC through a pool of long-lived LibreOffice listeners: each started once per run and slot,
restarted alone when it dies, converting in parallel for parallel parse workers, and dying with
the run that owns it (even a run killed with -9). Real unoserver, real soffice, real fixture DOCs."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from doc_helpers import DOCS, assert_read_by_libreoffice, needs_listener, pool_folders, processes_using, wait_for

from harvester.archive.store import BlobStore
from harvester.db.isolation import parse_archived
from harvester.parse import parse_bytes
from harvester.parse.converter import POOL_ENV, listeners, shared_listener, starts
from harvester.registry import REGISTRY
from publish.helpers import archive_files

SITE = "demo-trs"


def parsed(root: Path) -> int:
    """How many parses the load has cached so far (0 before it made its cache)."""
    try:
        with sqlite3.connect(f"file:{root / 'parse_cache.db'}?mode=ro", uri=True) as conn:
            return conn.execute("SELECT count(*) FROM parses").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


@pytest.fixture(scope="module")
def pool() -> Iterator:
    """One listener for the module's batches (it takes ~8 s to start)."""
    with shared_listener() as running:
        yield running


@needs_listener
def test_a_batch_of_doc_starts_libreoffice_once(pool) -> None:
    assert len(DOCS) >= 5
    before = len(starts(pool))  # another test of the module may have started it
    for path in DOCS:
        assert_read_by_libreoffice(parse_bytes(path.read_bytes(), path.name), path)
    assert len(starts(pool)) == max(before, 1)


@needs_listener
def test_listener_killed_mid_batch_is_restarted_and_every_doc_read(pool) -> None:
    for number, path in enumerate(DOCS):
        if number == 2:  # the listener and its LibreOffice are killed mid-batch
            [listener] = listeners(pool)
            assert listener.alive()
            os.killpg(listener.pid, signal.SIGKILL)
            before = starts(pool)
        assert_read_by_libreoffice(parse_bytes(path.read_bytes(), path.name), path)
    assert len(set(starts(pool))) == len(before) + 1


@needs_listener
def test_parallel_load_children_convert_on_a_pool_of_two_stopped_at_the_end(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two parse workers convert at once on two listeners (a second slot is taken only while the
    first is busy); both stop with the run and the pool's folder goes."""
    monkeypatch.delenv(POOL_ENV, raising=False)  # not the module's pool: a run's own
    store = BlobStore(tmp_path)
    shas = {store.put(path.read_bytes()): path for path in DOCS}
    with shared_listener(2) as run_pool:
        results = list(parse_archived(tmp_path, list(shas), workers=2))
        started = listeners(run_pool)
        assert len(starts(run_pool)) == len(started) == 2
    assert len(results) == len(DOCS)
    for result in results:
        assert_read_by_libreoffice(result, shas[result.path])
    assert not [listener for listener in started if listener.alive()]
    assert not run_pool.folder.exists() and POOL_ENV not in os.environ


@needs_listener
def test_a_load_killed_mid_batch_leaves_no_libreoffice_and_no_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(POOL_ENV, raising=False)  # the load makes a pool of its own
    root, tmp = tmp_path / "archive", tmp_path / "tmp"
    tmp.mkdir()
    archive_files(root, [(SITE, f"http://127.0.0.1/{path.name}", path.read_bytes()) for path in DOCS])
    loading = subprocess.Popen([sys.executable, "-m", "harvester", "load", "--archive", str(root),
                                "--registry", str(REGISTRY)], env={**os.environ, "TMPDIR": str(tmp)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: parsed(root) and any(processes_using(folder) for folder in pool_folders(tmp)),
                 "the load never parsed a DOC through a LibreOffice listener")
        assert loading.poll() is None, "the load ended before it could be killed mid-batch"
    finally:
        loading.kill()  # kill -9, mid-batch: its listener is converting or idle
        loading.wait()
    [folder] = pool_folders(tmp) or [tmp / "gone already"]
    wait_for(lambda: not processes_using(folder) and not pool_folders(tmp),
             f"left behind: {processes_using(folder)} {pool_folders(tmp)}", timeout=60)
