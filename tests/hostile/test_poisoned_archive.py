"""A poisoned archive: a blob whose bytes no longer match their hash, a blob gone, parse-cache rows
that are not results, a fetch-log row naming no digest. `harvester load` goes on, names each, keeps
every good report, caches no verdict on bytes it could not trust, and changes nothing archived."""

from __future__ import annotations

import hashlib
import resource
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from harvester.archive.store import BlobStore
from harvester.db.load import load
from harvester.registry import REGISTRY, Site, load_registry
from publish.helpers import SEEDS, archive_files, seed_files, site_of

GHOST_URL = "http://127.0.0.1/ghost/report.pdf"
TRAVERSAL = "../../../../etc/passwd"


@pytest.fixture(scope="module")
def sites() -> list[Site]:
    return load_registry()


def archived(root: Path, sites: list[Site]) -> dict[str, tuple[str, bytes]]:
    """Two seeds as HTML and DOCX, archived: name -> (url, bytes)."""
    files = {path.name: (f"http://127.0.0.1/{seed}/{path.name}", path.read_bytes(), site_of(seed, sites))
             for seed in SEEDS[:2] for path in seed_files(seed) if path.suffix in (".html", ".docx")}
    archive_files(root, [(site, url, data) for url, data, site in files.values()])
    return {name: (url, data) for name, (url, data, _) in files.items()}


def snapshot(root: Path) -> dict[str, object]:
    """What is archived: every blob file's digest, and the fetch log's rows."""
    with sqlite3.connect(root / "archive.db") as log:
        rows = {table: log.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
                for table in ("fetches", "documents", "blobs")}
    blobs = {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted((root / "blobs").rglob("*")) if p.is_file()}
    return {"blobs": blobs, **rows}


def documents(root: Path) -> dict[str, tuple[str, str | None]]:
    with sqlite3.connect(root / "harvester.db") as db:
        return {url: (status, errors) for url, status, errors in
                db.execute("SELECT url, parse_status, errors FROM documents")}


def load_command(root: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "harvester", "load", "--archive", str(root), "--registry", str(REGISTRY),
            "--workers", "2", *options]


def harvester_load(root: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(load_command(root, *options), capture_output=True, text=True, timeout=300)


def reports(root: Path) -> dict[str, int]:
    with sqlite3.connect(root / "harvester.db") as db:
        return dict(db.execute("SELECT id, n_facts FROM reports"))


def test_a_poisoned_archive_is_loaded_around_its_poison_and_left_as_it_was(
        tmp_path: Path, sites: list[Site]) -> None:
    files = archived(tmp_path, sites)
    load(tmp_path, sites, workers=2)
    published = reports(tmp_path)
    assert len(published) == 2 and all(published.values())
    (html0, html1), (docx0, docx1) = (sorted(n for n in files if n.endswith(suffix)) for suffix in (".html", ".docx"))
    store = BlobStore(tmp_path)
    sha = {name: hashlib.sha256(data).hexdigest() for name, (_, data) in files.items()}
    store.path(sha[html0]).write_bytes(b"<html>bit rot</html>")  # bytes that no longer hash to their name
    store.path(sha[docx1]).unlink()  # a blob gone
    with sqlite3.connect(tmp_path / "parse_cache.db") as cache:  # rows that are no parse result
        cache.execute("UPDATE parses SET result = '{not json' WHERE sha256 = ?", (sha[docx0],))
        cache.execute("UPDATE parses SET result = '{\"facts\": 1}' WHERE sha256 = ?", (sha[html1],))
        # the poisoned blobs must be read again (as after a parser upgrade): their cached parses go
        cache.execute("DELETE FROM parses WHERE sha256 IN (?, ?)", (sha[html0], sha[docx1]))
    with sqlite3.connect(tmp_path / "archive.db") as log:  # a row naming no digest (blob paths come from it)
        log.execute("INSERT INTO documents (url, sha256, site, kind, first_seen, last_seen)"
                    " VALUES (?, ?, ?, 'attachment', '2024-01-01', '2024-01-01')", (GHOST_URL, TRAVERSAL, sites[0].id))
    before = snapshot(tmp_path)

    run = harvester_load(tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    loaded = documents(tmp_path)
    assert loaded[files[html0][0]][0] == "error" and "archived blob is corrupt" in loaded[files[html0][0]][1]
    assert loaded[files[docx1][0]][0] == "error" and "archived blob is missing" in loaded[files[docx1][0]][1]
    assert loaded[GHOST_URL][0] == "error" and "not a sha256 hex digest" in loaded[GHOST_URL][1]
    assert loaded[files[docx0][0]] == loaded[files[html1][0]] == ("report", None)  # parsed again
    assert "parse failures: 3" in run.stdout
    assert reports(tmp_path) == published  # each seed still has a good file: both reports kept whole
    assert snapshot(tmp_path) == before  # nothing archived changed

    store.path(sha[html0]).write_bytes(files[html0][1])  # the blobs repaired (e.g. merged from a copy)
    store.path(sha[docx1]).write_bytes(files[docx1][1])
    again = harvester_load(tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    loaded = documents(tmp_path)
    assert loaded[files[html0][0]] == loaded[files[docx1][0]] == ("report", None)  # no verdict was cached
    assert "parse failures: 1" in again.stdout and reports(tmp_path) == published


def poison(path: Path, how: str) -> None:
    """Garbage in place of a SQLite file, or the file cut to its first 3 pages."""
    if how == "garbage":
        path.write_bytes(bytes(range(256)) * 40)
    else:
        with open(path, "r+b") as file:
            file.truncate(3 * 4096)


@pytest.mark.parametrize("how", ["garbage", "truncated"])
@pytest.mark.parametrize("name", ["harvester.db", "parse_cache.db"])
def test_a_damaged_derived_database_is_set_aside_and_built_again(
        tmp_path: Path, sites: list[Site], name: str, how: str) -> None:
    archived(tmp_path, sites)
    load(tmp_path, sites, workers=2)
    published = reports(tmp_path)
    before = snapshot(tmp_path)
    poison(tmp_path / name, how)
    damaged = (tmp_path / name).read_bytes()
    if name == "harvester.db":  # serving it says what to do, with no traceback
        served = subprocess.run([sys.executable, "-m", "harvester", "serve", "--archive", str(tmp_path), "--port", "0"],
                                capture_output=True, text=True, timeout=120)
        assert served.returncode == 1 and "Traceback" not in served.stderr, served.stderr[-3000:]
        assert f"{tmp_path / name} is damaged" in served.stderr and "harvester load" in served.stderr

    run = harvester_load(tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    [aside] = tmp_path.glob(f"{name}.damaged-*")
    assert aside.read_bytes() == damaged  # kept as it was found, for a post-mortem
    assert f"{name} was damaged" in run.stdout and aside.name in run.stdout
    assert reports(tmp_path) == published and snapshot(tmp_path) == before


def test_a_damaged_fetch_log_is_a_clear_error_and_is_left_as_it_was(tmp_path: Path, sites: list[Site]) -> None:
    archived(tmp_path, sites)
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"archive.db{suffix}").unlink(missing_ok=True)
    poison(tmp_path / "archive.db", "garbage")
    damaged = (tmp_path / "archive.db").read_bytes()
    for command in (["load", "--registry", str(REGISTRY)], ["health"], ["verify"],
                    ["crawl", "--registry", str(REGISTRY), "--portal", "http://127.0.0.1:9"]):
        run = subprocess.run([sys.executable, "-m", "harvester", *command, "--archive", str(tmp_path)],
                             capture_output=True, text=True, timeout=300)
        assert run.returncode != 0 and "Traceback" not in run.stderr, (command, run.stderr[-3000:])
        assert f"the fetch log is damaged: {tmp_path / 'archive.db'}: file is not a database" in run.stderr, (
            command, run.stderr)
        assert (tmp_path / "archive.db").read_bytes() == damaged, command
    assert not list(tmp_path.glob("archive.db.*"))


def test_a_blob_that_is_not_a_file_is_a_recorded_failure(tmp_path: Path, sites: list[Site]) -> None:
    files = archived(tmp_path, sites)
    load(tmp_path, sites, workers=2)
    name = sorted(n for n in files if n.endswith(".html"))[0]
    blob = BlobStore(tmp_path).path(hashlib.sha256(files[name][1]).hexdigest())
    blob.unlink()
    blob.mkdir()  # e.g. a restore gone wrong
    run = harvester_load(tmp_path, "--retry-failed")
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-3000:]
    with sqlite3.connect(tmp_path / "parse_cache.db") as cache:
        cache.execute("DELETE FROM parses")  # read every blob again, as after a parser upgrade
    run = harvester_load(tmp_path)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-3000:]
    status, errors = documents(tmp_path)[files[name][0]]
    assert status == "error" and "archived blob is unreadable" in errors and "Is a directory" in errors
    assert len(reports(tmp_path)) == 2


def test_a_load_on_a_full_disk_says_so_and_the_next_load_ends_it(tmp_path: Path, sites: list[Site]) -> None:
    """Under RLIMIT_FSIZE writing past 256 kB fails (EFBIG, as a full disk would fail the write)."""
    archived(tmp_path, sites)
    limit = 256 * 1024

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails instead of killing the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    run = subprocess.run(load_command(tmp_path), capture_output=True, text=True, timeout=300, preexec_fn=small_files)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr[-3000:]
    assert f"the load could not write under {tmp_path}" in run.stderr and "run it again" in run.stderr
    again = harvester_load(tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    assert len(reports(tmp_path)) == 2 and all(reports(tmp_path).values())
