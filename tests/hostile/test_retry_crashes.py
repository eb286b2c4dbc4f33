"""A parse that crashed is cached with its reason and limits; it is parsed again once when its limit
changed, and whenever the operator asks (`harvester load --retry-failed`)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_files import pdf_bomb

from harvester.db.load import load
from harvester.registry import REGISTRY, Site, load_registry
from publish.helpers import SEEDS, archive_files, seed_files, site_of

BOMB_URL = "http://127.0.0.1/bomb/report.pdf"


@pytest.fixture(scope="module")
def sites() -> list[Site]:
    return load_registry()


def limits(monkeypatch: pytest.MonkeyPatch, memory_mb: int, seconds: float) -> None:
    monkeypatch.setenv("HARVESTER_PARSE_MEMORY_MB", str(memory_mb))
    monkeypatch.setenv("HARVESTER_PARSE_TIMEOUT_S", str(seconds))


def errors_of(root: Path, url: str) -> str:
    with sqlite3.connect(root / "harvester.db") as db:
        return db.execute("SELECT errors FROM documents WHERE url = ?", (url,)).fetchone()[0]


def test_a_report_over_its_time_limit_loads_once_the_limit_is_raised(
        tmp_path: Path, sites: list[Site], monkeypatch: pytest.MonkeyPatch) -> None:
    seed = SEEDS[0]
    good = next(path for path in seed_files(seed) if path.suffix == ".pdf")
    url = f"http://127.0.0.1/{seed}/{good.name}"
    archive_files(tmp_path, [(site_of(seed, sites), url, good.read_bytes())])
    limits(monkeypatch, 3072, 0.001)  # no PDF is read in a millisecond
    first = load(tmp_path, sites, workers=1)
    assert (first.parsed, first.reports) == (1, 0)
    assert first.failures == {url: "parse stopped: over its time limit (limits 3072 MB, 0.001 s)"}
    assert (load(tmp_path, sites, workers=1).parsed, errors_of(tmp_path, url)) == (
        0, '["parse stopped: over its time limit (limits 3072 MB, 0.001 s)"]')  # the same limit: cached
    limits(monkeypatch, 4096, 600)  # a memory change alone would not retry an overrun; this is a time change
    again = load(tmp_path, sites, workers=1)
    assert (again.parsed, again.failures, again.reports) == (1, {}, 1)
    assert load(tmp_path, sites, workers=1).parsed == 0


def test_a_memory_kill_is_retried_under_another_limit_and_on_request(
        tmp_path: Path, sites: list[Site], monkeypatch: pytest.MonkeyPatch) -> None:
    archive_files(tmp_path, [(sites[0].id, BOMB_URL, pdf_bomb())])
    limits(monkeypatch, 400, 600)
    assert load(tmp_path, sites, workers=1).failures[BOMB_URL].startswith(
        "parse worker killed by SIGABRT (limits 400 MB, 600 s)")
    limits(monkeypatch, 400, 900)  # a time change does not retry a memory kill
    assert load(tmp_path, sites, workers=1).parsed == 0
    limits(monkeypatch, 450, 900)
    retried = load(tmp_path, sites, workers=1)
    assert (retried.parsed, retried.failures[BOMB_URL]) == (
        1, "parse worker killed by SIGABRT (limits 450 MB, 900 s)")
    assert load(tmp_path, sites, workers=1).parsed == 0  # once: now cached under these limits
    command = subprocess.run(
        [sys.executable, "-m", "harvester", "load", "--archive", str(tmp_path), "--registry", str(REGISTRY),
         "--workers", "1", "--retry-failed"], capture_output=True, text=True, timeout=300)
    assert command.returncode == 0, command.stderr[-2000:]
    assert "parsed now: 1" in command.stdout
    assert f"{BOMB_URL}: parse worker killed by SIGABRT (limits 450 MB, 900 s)" in command.stdout
