"""One bad document must not stop the archive: each file is parsed in a child that may die alone."""

from __future__ import annotations

import gc
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from hostile_files import pdf_bomb

from harvester.db.isolation import KeptChild, Limits, isolated_map
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
    assert gone(int(pid_file.read_text()))


def frozen_objects(_: object) -> int:
    return gc.get_freeze_count()


def test_a_child_leaves_the_objects_it_was_forked_with_out_of_its_collections() -> None:
    # A collection walking them writes to every page holding one: the parent's heap copied into each child.
    # (Nearly all of what is tracked here: a few temporaries die between the count and the fork.)
    tracked = len(gc.get_objects())
    [(_, isolated, reason)] = isolated_map(frozen_objects, [None], workers=1, limits=Limits(512, 60))
    assert reason is None and isolated > 0.9 * tracked
    kept = KeptChild(Limits(512, 60))
    try:
        assert kept.call(frozen_objects, None)[0] > 0.9 * tracked
    finally:
        kept.close()


def own_pid(_: object) -> int:
    return os.getpid()


def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def test_a_kept_child_answers_call_after_call_until_it_dies_then_another_does() -> None:
    kept = KeptChild(Limits(256, 60), calls=3)
    try:
        first = [kept.call(own_pid, None) for _ in range(3)]  # its third call is its last
        assert first[0] == first[1] == first[2] and first[0][0] not in (None, os.getpid()), first
        assert kept.pid is None and gone(first[0][0])
        assert kept.call(answer, 21) == (42, None)
        assert kept.call(die_by_sigkill, 7) == (None, "parse worker killed by SIGKILL (limits 256 MB, 60 s)")
        assert kept.call(allocate, 1024) == (None, "parse worker out of memory (limits 256 MB, 60 s)")
        assert kept.pid is None
        second, _ = kept.call(own_pid, None)
        os.kill(second, signal.SIGKILL)  # dead between calls, as by the kernel's OOM killer
        assert gone(second)
        third, reason = kept.call(own_pid, None)
        assert reason is None and third not in (first[0][0], second)
    finally:
        kept.close()
    assert gone(third)


def test_a_kept_child_over_its_time_is_killed_with_what_it_started(tmp_path: Path) -> None:
    kept = KeptChild(Limits(512, 3))
    pid_file = tmp_path / "grandchild.pid"
    try:
        overran = (None, "parse stopped: over its time limit (limits 512 MB, 3 s)")
        assert kept.call(hang_with_a_grandchild, pid_file) == overran
        assert gone(int(pid_file.read_text()))
        assert kept.call(answer, 1) == (2, None)
    finally:
        kept.close()


def gone(pid: int) -> bool:
    """Whether process `pid` is gone (waited for, bounded: a killed group takes a moment to go)."""
    for _ in range(200):
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def alive(pid: int) -> bool:
    """True while process `pid` exists and is not a zombie."""
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
