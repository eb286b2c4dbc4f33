"""Broken and non-report files through the whole parser (`harvester parse`), under a memory cap."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import yaml

BAD = Path(__file__).resolve().parent.parent / "fixtures" / "bad"
MEMORY_CAP = 1500 * 1024 * 1024  # a zip bomb or a huge page must not get anywhere near this
TIME_CAP_S = 240  # every bad file together, OCR of the scanned page included


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def test_every_bad_file_gives_a_clear_outcome_never_a_crash() -> None:
    expected = yaml.safe_load((BAD / "expected.yaml").read_text(encoding="utf-8"))
    files = [BAD / name for name in sorted(expected)]
    run = subprocess.run([sys.executable, "-m", "harvester", "parse", "--json", *map(str, files)],
                         capture_output=True, text=True, timeout=TIME_CAP_S,
                         preexec_fn=_cap_memory)
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    results = {Path(line["path"]).name: line for line in map(json.loads, run.stdout.splitlines())}
    assert set(results) == set(expected)
    for name, result in results.items():
        assert result["kind"] in ("unreadable", "not_report"), name
        assert result["errors"], name
        assert result["facts"] == {}, name
        if expected[name]["error"] and result["kind"] == "unreadable":
            assert any(expected[name]["error"] in error for error in result["errors"]), (name, result)
    # Some files are unreadable, so the exit status says so.
    assert run.returncode == 1


def test_what_is_not_a_regular_file_is_refused_not_read(tmp_path: Path) -> None:
    fifo, zero = tmp_path / "report.pdf", tmp_path / "zero.pdf"
    os.mkfifo(fifo)  # reading it would wait for a writer forever
    zero.symlink_to("/dev/zero")  # reading it never ends
    run = subprocess.run([sys.executable, "-m", "harvester", "parse", "--json", str(fifo), str(zero)],
                         capture_output=True, text=True, timeout=TIME_CAP_S, preexec_fn=_cap_memory)
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    results = [json.loads(line) for line in run.stdout.splitlines()]
    assert [(r["kind"], r["errors"]) for r in results] == [
        ("unreadable", [f"not a regular file (a FIFO): {fifo}"]),
        ("unreadable", [f"not a regular file (a character device): {zero}"])]
    assert run.returncode == 1
