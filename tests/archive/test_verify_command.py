"""`harvester verify` on a real archive: clean, then with a corrupted blob."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from harvester.archive import Archive
from harvester.archive.fetchlog import Fetch


def verify(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harvester", "verify", "--archive", str(root)],
                          capture_output=True, text=True, timeout=120)


def test_verify_passes_then_catches_a_corrupted_blob(tmp_path: Path) -> None:
    body = "某某局2024年政府信息公开工作年度报告".encode()
    with Archive(tmp_path) as archive:
        sha = archive.store.put(body)
        archive.log.start_run("r1", "test", "site")
        archive.log.record(Fetch("r1", "http://127.0.0.1/a.html", "http://127.0.0.1/a.html",
                                 "report_page", status=200, sha256=sha, size=len(body)))
        blob = archive.blob_path(sha)
    clean = verify(tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    blob.chmod(0o644)
    blob.write_bytes(b"tampered")
    broken = verify(tmp_path)
    assert broken.returncode == 1
    assert f"blob {sha} is corrupt" in broken.stdout


def test_verify_says_what_to_do_without_an_archive(tmp_path: Path) -> None:
    run = verify(tmp_path / "nothing")
    assert run.returncode != 0
    assert "no archive at" in run.stderr and "crawl first (harvester crawl" in run.stderr
