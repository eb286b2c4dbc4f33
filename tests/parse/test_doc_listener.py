"""DOC through a pool of long-lived LibreOffice listeners: each started once per run and slot,
restarted alone when it dies, converting in parallel for parallel parse workers, and dying with
the run that owns it (even a run killed with -9). Real unoserver, real soffice, real fixture DOCs."""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from doc_helpers import DOCS, assert_read_by_libreoffice, needs_listener, pool_folders, processes_using, wait_for

from harvester.archive.store import BlobStore
from harvester.db.isolation import parse_archived
from harvester.parse import libreoffice, parse_bytes
from harvester.parse.carriers import doc as doc_carrier
from harvester.parse.converter import POOL_ENV, UNOSERVER_ENV, listeners, shared_listener, starts, unoserver
from harvester.parse.listener import unoserver_python
from harvester.parse.model import Table
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
def test_parallel_load_children_convert_on_a_pool_of_two_each_restarted_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two parse workers convert at once on two listeners (a second slot is taken only while the
    first is busy); one killed is restarted in its slot while the other serves on; both stop
    with the run and the pool's folder goes."""
    monkeypatch.delenv(POOL_ENV, raising=False)  # not the module's pool: a run's own
    store = BlobStore(tmp_path)
    shas = {store.put(path.read_bytes()): path for path in DOCS}
    with shared_listener(2) as run_pool:
        results = list(parse_archived(tmp_path, list(shas), workers=2))
        first, second = listeners(run_pool)
        assert len(starts(run_pool)) == 2
        os.killpg(first.pid, signal.SIGKILL)  # the first slot's LibreOffice dies between batches
        results += parse_archived(tmp_path, list(shas), workers=2)
        restarted, kept = listeners(run_pool)
        assert kept == second and kept.alive() and restarted != first and len(starts(run_pool)) == 3
    assert len(results) == 2 * len(DOCS)
    for result in results:
        assert_read_by_libreoffice(result, shas[result.path])
    assert not [listener for listener in (restarted, kept) if listener.alive()]
    assert not run_pool.folder.exists() and POOL_ENV not in os.environ


@needs_listener
def test_a_load_killed_mid_batch_leaves_no_libreoffice_and_no_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(POOL_ENV, raising=False)  # the load makes a pool of its own
    root, tmp = tmp_path / "archive", tmp_path / "tmp"
    tmp.mkdir()
    # Each DOC four times, as distinct files (trailing zero sectors, which Word readers skip): the
    # batch goes on for many conversions after the first is cached.
    archive_files(root, [(SITE, f"http://127.0.0.1/{copy}/{path.name}", path.read_bytes() + bytes(512 * copy))
                         for path in DOCS for copy in range(4)])
    loading = subprocess.Popen([sys.executable, "-m", "harvester", "load", "--archive", str(root),
                                "--registry", str(REGISTRY)], env={**os.environ, "TMPDIR": str(tmp)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: parsed(root) and pool_folders(tmp),
                 "the load never parsed a DOC through a LibreOffice listener")
        assert loading.poll() is None, "the load ended before it could be killed mid-batch"
    finally:
        loading.kill()  # kill -9, mid-batch: its listener is converting or idle
        loading.wait()
    [folder] = pool_folders(tmp) or [tmp / "gone already"]
    wait_for(lambda: not processes_using(folder) and not pool_folders(tmp),
             f"left behind: {processes_using(folder)} {pool_folders(tmp)}", timeout=60)


def table_doc(folder: Path, merged_down: bool) -> bytes:
    """A real .doc (python-docx, then LibreOffice) with one 3 x 3 table, whose first column is
    merged down its three rows when `merged_down`: every row prints three cells either way."""
    document = docx.Document()
    document.add_paragraph("二、主动公开政府信息情况")
    table = document.add_table(rows=3, cols=3)
    for row, label, number in [(0, "规章", "0"), (1, "规范性文件", "3"), (2, "行政许可", "4138")]:
        table.cell(row, 0).text, table.cell(row, 1).text, table.cell(row, 2).text = "第二十条", label, number
    if merged_down:
        table.cell(0, 0).merge(table.cell(2, 0)).text = "第二十条第（一）项"
    document.save(folder / "table.docx")
    return libreoffice.convert((folder / "table.docx").read_bytes(), ".docx", "doc:MS Word 97")


@needs_listener
def test_a_listener_that_dies_while_starting_is_started_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Seen under load: soffice died as unoserver started it, unoserver exited, and the DOC was read by
    antiword. Here the listener's Python (a wrapper) exits at once the first time; the second start runs."""
    died = tmp_path / "died-once"
    python = tmp_path / "python"
    python.write_text(f'#!/bin/sh\nif [ ! -e {died} ]; then touch {died}; exit 0; fi\n'
                      f'exec {unoserver_python(unoserver())} "$@"\n')
    python.chmod(0o755)
    (tmp_path / "unoserver").write_text(f"#!{python}\n")  # only its #! line is read: the Python to run
    monkeypatch.setenv(UNOSERVER_ENV, str(tmp_path / "unoserver"))
    monkeypatch.delenv(POOL_ENV, raising=False)  # a pool of its own
    path = DOCS[0]
    with shared_listener() as fresh:
        assert_read_by_libreoffice(parse_bytes(path.read_bytes(), path.name), path)
        assert died.exists() and len(starts(fresh)) == 1  # the start that died, then the one that answered


def antiword_only(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """From here on this process finds antiword and no LibreOffice."""
    antiword = shutil.which("antiword")
    if antiword is None:
        pytest.skip("antiword is not installed")
    (folder / "bin").mkdir()
    (folder / "bin" / "antiword").symlink_to(antiword)
    monkeypatch.setenv("PATH", str(folder / "bin"))
    monkeypatch.setenv(UNOSERVER_ENV, "off")


def test_antiword_fallback_says_it_lost_merged_cells(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without LibreOffice a DOC is read by antiword, which prints merged cells unmerged: the
    result must say so, not pass the flattened tables off as whole."""
    antiword_only(monkeypatch, tmp_path)
    result = parse_bytes(DOCS[0].read_bytes(), DOCS[0].name)
    assert (result.carrier, result.method) == ("doc", "text")
    assert any("LibreOffice" in error for error in result.errors)
    [loss] = [error for error in result.errors if "antiword lost" in error]
    assert "merged cells" in loss and not loss.startswith("antiword lost table structure: 0 ")


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice makes the .doc")
@pytest.mark.parametrize("merged_down", [True, False])
def test_antiword_fallback_says_when_it_lost_vertically_merged_cells(
        merged_down: bool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A cell merged down prints as blanks under it, each row as wide as the table: only the
    document's own table definitions show the merge. The result says it was lost, and says
    nothing of a loss for the same table unmerged."""
    data = table_doc(tmp_path, merged_down)
    antiword_only(monkeypatch, tmp_path)
    result = doc_carrier.extract(data)
    assert (result.carrier, result.method) == ("doc", "text")
    assert [block for block in result.blocks if isinstance(block, Table)], "a table was read"
    losses = [error for error in result.errors if "antiword lost" in error]
    assert any("LibreOffice" in error for error in result.errors)
    if merged_down:
        [loss] = losses
        merged = re.match(r"antiword lost table structure: (\d+) table row definitions with merged cells", loss)
        assert merged and int(merged[1]) >= 1, loss
    else:
        assert losses == []
