"""Merging archive roots: real crawls of the replica portal, real worker processes, a killed merge."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from held import wait_until_alive
from test_distributed import PACED, seed_crawl

from harvester.archive import Archive
from harvester.archive.merge import MergeError, copy_files, merge
from harvester.archive.store import TEMP_PREFIX, BlobStore, DigestMismatch, file_sha256, write_atomically
from harvester.crawl.runner import LOOPBACK_SETTINGS, crawl
from harvester.operate import workers
from harvester.portal import Portal, start_portal
from harvester.registry import DEMO_REGISTRY

REPO_ROOT = Path(__file__).resolve().parents[2]

TABLES = ("runs", "blobs", "fetches", "documents")
SHARED_RUN = "same-run-on-two-hosts"  # both roots crawl demo-trs under this run id: their WARC names clash


def query(root: Path, sql: str, *params: object) -> list[tuple]:
    """Rows of a read-only query on a root's archive.db."""
    with sqlite3.connect(f"file:{root / 'archive.db'}?mode=ro", uri=True) as conn:
        return conn.execute(sql, params).fetchall()


def snapshot(root: Path) -> dict[str, object]:
    """Every row of every table and every file (by digest) of an archive, for before/after comparisons."""
    state: dict[str, object] = {table: sorted(query(root, f"SELECT * FROM {table}"), key=repr) for table in TABLES}
    state["files"] = {str(path.relative_to(root)): file_sha256(path)
                      for folder in ("blobs", "warc") for path in sorted((root / folder).rglob("*"))
                      if path.is_file() and not path.name.startswith(TEMP_PREFIX)}
    return state


def document_keys(root: Path) -> set[tuple[str, str]]:
    """(url, sha256) of every document."""
    return set(query(root, "SELECT url, sha256 FROM documents"))


def fetch_rows(root: Path) -> set[tuple]:
    """Fetch rows without their id and WARC file (both may differ after a merge)."""
    return set(query(root, "SELECT run_id, url, final_url, fetched_at, outcome, sha256, warc_offset FROM fetches"))


@pytest.fixture(scope="module")
def grown_portal() -> Iterator[Portal]:
    """A replica portal with a generated column added (so not the shared session portal)."""
    with start_portal() as running:
        yield running


@pytest.fixture(scope="module")
def sources(grown_portal: Portal, tmp_path_factory) -> tuple[Path, Path]:
    """Two archive roots as two machines would write them: A crawled demo-trs; B crawled demo-trs
    later under the same run id (WARC names clash with A's) and a generated column."""
    roots = tmp_path_factory.mktemp("a"), tmp_path_factory.mktemp("b")
    options = {"settings": LOOPBACK_SETTINGS, "timeout": 120}
    runs = [crawl(registry=DEMO_REGISTRY, portal=grown_portal.url, sites=["demo-trs"], archive=root, run_id=SHARED_RUN,
                  **options) for root in roots]
    runs.append(crawl(url=grown_portal.generate_large(20), sites=["demo-large"], archive=roots[1], **options))
    assert [summary["returncode"] for summary in runs] == [0, 0, 0]
    return roots


@pytest.fixture(scope="module")
def merged(sources: tuple[Path, Path], tmp_path_factory) -> Path:
    """A and B merged into an empty third root."""
    target = tmp_path_factory.mktemp("merged")
    for source in sources:
        merge(source, target)
    return target


def test_merge_keeps_every_document_once_with_its_bytes_and_provenance(grown_portal, sources, merged):
    a, b = sources
    assert document_keys(merged) == document_keys(a) | document_keys(b)
    assert document_keys(a) & document_keys(b)  # the overlap was merged, not doubled
    reports = {report.url for report in grown_portal.reports if "/zwgk/" in report.url}
    urls = [url for (url,) in query(merged, "SELECT url FROM documents")]
    assert reports <= set(urls) and len(urls) == len(set(urls))
    seen = {url: (first, last) for url, first, last in query(merged, "SELECT url, first_seen, last_seen FROM documents")}
    seen_a = dict(((url, first) for url, first in query(a, "SELECT url, first_seen FROM documents")))
    seen_b = dict(((url, last) for url, last in query(b, "SELECT url, last_seen FROM documents")))
    assert {url: seen[url] for url in seen_a.keys() & seen_b.keys()} == {
        url: (seen_a[url], seen_b[url]) for url in seen_a.keys() & seen_b.keys()}  # A crawled first, B last

    assert fetch_rows(merged) == fetch_rows(a) | fetch_rows(b)
    assert len(query(merged, "SELECT id FROM fetches")) == sum(len(query(root, "SELECT id FROM fetches")) for root in sources)
    assert set(query(merged, "SELECT run_id FROM runs")) == set(query(a, "SELECT run_id FROM runs")) | set(
        query(b, "SELECT run_id FROM runs"))

    with Archive(merged) as archive:
        report = archive.verify()
        assert report.ok, report.problems
        assert report.blobs_checked == len(archive.log.blob_digests()) and not report.orphan_blobs
        for url, sha256 in document_keys(b):
            assert archive.read_blob(sha256) == grown_portal.catalogue.get(urlsplit(url).path).body


def test_a_clashing_warc_name_keeps_both_files_and_the_rows_follow(sources, merged):
    a, b = sources
    names = [path.name for path in (b / "warc").iterdir() if SHARED_RUN in path.name]
    assert names and all((a / "warc" / name).exists() for name in names)
    for name in names:
        assert file_sha256(merged / "warc" / name) == file_sha256(a / "warc" / name)
        renamed = [path for path in (merged / "warc").iterdir() if path.name.startswith(name.removesuffix(".warc.gz") + ".merged-")]
        assert [file_sha256(path) for path in renamed] == [file_sha256(b / "warc" / name)]
        offsets_b = set(query(b, "SELECT warc_offset FROM fetches WHERE warc_file = ?", name))
        assert set(query(merged, "SELECT warc_offset FROM fetches WHERE warc_file = ?", renamed[0].name)) == offsets_b


def test_merging_again_changes_nothing(sources, merged):
    before = snapshot(merged)
    reports = [merge(source, merged) for source in sources]
    assert snapshot(merged) == before
    assert [(r.blobs_copied, r.warc_copied, set(r.rows_imported.values())) for r in reports] == [(0, 0, {0})] * 2


def test_a_merge_interrupted_after_the_file_phase_ends_like_a_clean_one(sources, merged, tmp_path):
    for source in sources:
        copy_files(source, tmp_path)  # as if killed just before the row transaction
    assert not query(tmp_path, "SELECT * FROM fetches")
    for source in sources:
        merge(source, tmp_path)
    assert snapshot(tmp_path) == snapshot(merged)


def first_blob_written(root: Path) -> bool:
    """The merge has copied some of the first source's files."""
    return any(path.is_file() and not path.name.startswith(TEMP_PREFIX) for path in (root / "blobs").rglob("*"))


def first_source_imported(root: Path) -> bool:
    """The merge committed the first source's rows."""
    try:
        return bool(query(root, "SELECT 1 FROM fetches LIMIT 1"))
    except sqlite3.OperationalError:  # not created yet
        return False


def held_copies(sources: tuple[Path, Path], held: int, into: Path) -> tuple[list[Path], Path, bytes]:
    """Copies of the sources in which one blob of source `held` is a named pipe: a merge copying that
    blob blocks there (the middle blob of the first source; of the second, the first blob the first
    lacks). Returns the copies, the pipe and the blob's bytes."""
    copies = [Path(shutil.copytree(source, into / f"source-{n}")) for n, source in enumerate(sources)]
    with Archive(copies[0]) as first, Archive(copies[held]) as holder:
        digests = sorted(holder.log.blob_digests() - (first.log.blob_digests() if held == 1 else set()))
        assert len(digests) > 2
        pipe = holder.blob_path(digests[len(digests) // 2 if held == 0 else 0])
    body = pipe.read_bytes()
    pipe.unlink()
    os.mkfifo(pipe)
    return copies, pipe, body


def open_once_read(pipe: Path) -> int | None:
    """A write end of the pipe once a reader holds it open (else None); while it stays open, the reader
    stays blocked in its read."""
    try:
        return os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as error:
        assert error.errno == errno.ENXIO, error  # ENXIO: no reader yet
        return None


@pytest.mark.parametrize("held", [0, 1], ids=["copying-the-first-source", "first-source-imported"])
def test_a_killed_merge_command_rerun_ends_like_a_clean_one(sources, merged, tmp_path, held):
    copies, pipe, body = held_copies(sources, held, tmp_path)
    target = tmp_path / "target"
    command = [sys.executable, "-m", "harvester", "merge", *map(str, copies), "--archive", str(target)]
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while (writer := open_once_read(pipe)) is None:
        assert process.poll() is None and time.monotonic() < deadline, "the merge never reached the held blob"
        time.sleep(0.01)
    try:
        assert first_blob_written(target) and first_source_imported(target) == (held == 1)  # mid-way, surely
        process.send_signal(signal.SIGKILL)
        process.wait()
    finally:
        os.close(writer)
    pipe.unlink()
    pipe.write_bytes(body)
    rerun = subprocess.run([*command, "--verify"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert "verify: " in rerun.stdout and " 0 problems" in rerun.stdout
    assert snapshot(target) == snapshot(merged)


def test_a_corrupt_source_blob_stops_the_merge_before_any_row(sources, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(sources[0], broken)
    sha256 = query(broken, "SELECT sha256 FROM documents LIMIT 1")[0][0]
    Archive(broken).blob_path(sha256).write_bytes(b"bit rot")
    with pytest.raises(MergeError, match=f"blob {sha256} is corrupt"):
        merge(broken, tmp_path / "target")
    assert not query(tmp_path / "target", "SELECT * FROM fetches")
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "archive.db").write_bytes(b"not SQLite" * 100)
    result = subprocess.run([sys.executable, "-m", "harvester", "merge", str(broken), str(tmp_path / "nowhere"),
                             str(garbage), sources[1], "--archive", str(tmp_path / "target")],
                            cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 1
    assert "is corrupt" in result.stderr and "no archive at" in result.stderr
    assert "file is not a database" in result.stderr
    assert document_keys(tmp_path / "target") == document_keys(sources[1])  # the good source was merged


def test_merging_an_archive_into_itself_is_refused(sources):
    with pytest.raises(MergeError, match="into itself"):
        merge(sources[0], sources[0])


def test_put_file_verifies_the_digest_and_leaves_nothing_when_it_is_wrong(tmp_path):
    source = tmp_path / "body"
    source.write_bytes("年度报告".encode() * 300_000)  # several 1 MiB chunks
    store = BlobStore(tmp_path / "root")
    with pytest.raises(DigestMismatch):
        store.put_file(source, "0" * 64)
    assert not [path for path in store.base.rglob("*") if path.is_file()]  # no temp file, no blob
    sha256 = file_sha256(source)
    assert store.put_file(source, sha256) and store.read(sha256) == source.read_bytes()
    assert not store.put_file(source, sha256)  # already stored


def test_write_atomically_without_replace_never_overwrites(tmp_path):
    final = tmp_path / "warc" / "site-run-1.warc.gz"
    assert write_atomically(final, lambda out: out.write(b"first"), replace=False)
    assert not write_atomically(final, lambda out: out.write(b"second"), replace=False)
    assert final.read_bytes() == b"first" and [path.name for path in final.parent.iterdir()] == [final.name]


def test_workers_on_separate_machines_each_with_their_own_archive_merge_into_one(redis_url, tmp_path):
    """Three workers share one Redis frontier but write three archive roots, as on three machines."""
    with start_portal() as portal:
        roots = [tmp_path / f"machine{n}" for n in range(3)]
        crawls = [workers.Crawl("machines", redis_url, root) for root in roots]
        started = [workers.start_worker(machine, n, PACED) for n, machine in enumerate(crawls)]
        wait_until_alive(crawls[0], started)
        articles = seed_crawl(crawls[0], portal, 60)
        outcome = workers.wait(started, timeout=180)
        assert not outcome.timed_out and set(outcome.returncodes.values()) == {0}
        expected = {report.url for report in portal.reports if "/zwgk/" in report.url} | set(articles)

    busy = [root for root in roots if (root / "archive.db").exists() and query(root, "SELECT 1 FROM documents")]
    assert len(busy) >= 2  # the documents really are spread over several archives
    main = tmp_path / "main"
    result = subprocess.run([sys.executable, "-m", "harvester", "merge", *map(str, busy), "--archive", str(main),
                             "--verify"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    urls = [url for (url,) in query(main, "SELECT url FROM documents")]
    assert expected <= set(urls) and len(urls) == len(set(urls))  # every report, exactly once
    assert document_keys(main) == set().union(*map(document_keys, busy))  # nothing lost
    assert workers.finish(crawls[0])
