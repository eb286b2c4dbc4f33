"""One bad document must not stop the archive: each file is parsed in a child that may die alone."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from hostile_files import pdf_bomb

from harvester.db.isolation import Limits, isolated_map
from harvester.registry import REGISTRY, Site
from publish.helpers import SEEDS, archive_files, seed_files, site_of

BOMB_URL = "http://127.0.0.1/bomb/report.pdf"


def harvester_load(root: Path, workers: int, memory_mb: int) -> subprocess.CompletedProcess:
    """`harvester load` as a user runs it, with a lowered per-document memory limit."""
    env = {**os.environ, "HARVESTER_PARSE_MEMORY_MB": str(memory_mb)}
    return subprocess.run([sys.executable, "-m", "harvester", "load", "--archive", str(root),
                           "--registry", str(REGISTRY), "--workers", str(workers)], capture_output=True, text=True, env=env, timeout=300)


def test_a_pdf_bomb_is_a_recorded_failure_and_the_load_goes_on(tmp_path: Path, sites: list[Site]) -> None:
    seed = SEEDS[0]
    site = site_of(seed, sites)
    good = seed_files(seed)[0]
    archive_files(tmp_path, [(site, f"http://127.0.0.1/{seed}/{good.name}", good.read_bytes()),
                             (site, BOMB_URL, pdf_bomb())])
    first = harvester_load(tmp_path, workers=1, memory_mb=400)  # one worker: the load itself died before
    assert first.returncode == 0, first.stderr[-2000:]
    assert "parse failures: 1" in first.stdout
    assert f"{BOMB_URL}: parse worker killed by SIGABRT (limits 400 MB" in first.stdout
    with sqlite3.connect(tmp_path / "harvester.db") as db:
        assert db.execute("SELECT parse_status, errors LIKE '%SIGABRT%' FROM documents WHERE url = ?",
                          (BOMB_URL,)).fetchall() == [("error", 1)]
        assert db.execute("SELECT count(*) FROM reports").fetchone() == (1,)
    second = harvester_load(tmp_path, workers=2, memory_mb=400)
    assert second.returncode == 0, second.stderr[-2000:]
    assert "parsed now: 0" in second.stdout and f"{BOMB_URL}: parse worker killed by SIGABRT" in second.stdout


def answer(item: int) -> int:
    return item * 2


def die_by_sigkill(item: int) -> int:
    os.kill(os.getpid(), signal.SIGKILL)
    return item


def hang_with_a_grandchild(pid_file: Path) -> None:
    """Start a grandchild (as OCR starts its workers), note its pid, then never return."""
    grandchild = subprocess.Popen(["sleep", "600"])
    pid_file.write_text(str(grandchild.pid))
    signal.pause()


def test_children_answer_or_die_alone() -> None:
    outcomes = sorted(isolated_map(answer, [1, 2, 3], workers=2, limits=Limits(512, 60)))
    assert outcomes == [(1, 2, None), (2, 4, None), (3, 6, None)]
    [(item, result, reason)] = isolated_map(die_by_sigkill, [7], workers=1, limits=Limits(512, 60))
    assert (item, result) == (7, None) and reason == "parse worker killed by SIGKILL (limits 512 MB, 60 s)"


def test_a_child_over_its_time_is_killed_with_what_it_started(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    [(_, result, reason)] = isolated_map(hang_with_a_grandchild, [pid_file], workers=1, limits=Limits(512, 3))
    assert result is None and reason == "parse stopped: over its time limit (limits 512 MB, 3 s)"
    grandchild = int(pid_file.read_text())
    for _ in range(200):  # killed with its group: wait (bounded) until it is gone
        if not alive(grandchild):
            break
        time.sleep(0.05)
    assert not alive(grandchild)


def alive(pid: int) -> bool:
    """True while process `pid` exists and is not a zombie."""
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
