"""The run lock: a live holder is respected, a killed one is taken over, a silent one times out."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest

from harvester.operate.calendar import load_calendar
from harvester.operate.lock import LockHeld, RunLock
from harvester.operate.scheduler import Scheduler
from harvester.operate.state import open_log
from held import wait_for

# Holds the lock until its stdin closes (the test ends it), however long the test takes.
HOLD = textwrap.dedent("""
    import sys
    from datetime import datetime, timedelta, timezone
    from pathlib import Path
    from harvester.operate.lock import RunLock
    from harvester.operate.state import open_log
    lock = RunLock(open_log(Path(sys.argv[1])), lambda: datetime.now(timezone.utc), timedelta(minutes=30))
    lock.acquire("holder-run")
    print("locked", flush=True)
    sys.stdin.read()
""")


@pytest.fixture
def holder(tmp_path):
    """Another process that takes the lock and keeps it (alive) until killed."""
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "locked"
    yield process
    process.kill()
    process.wait()
    process.stdin.close()


def lock_for(tmp_path, clock, stale_after=timedelta(minutes=30)) -> RunLock:
    return RunLock(open_log(tmp_path), clock, stale_after)


def test_live_holder_is_respected(tmp_path, clock, holder):
    clock.now = clock.now.now(clock.now.tzinfo)  # the holder's heartbeat is real time
    with pytest.raises(LockHeld, match=f"pid {holder.pid}"):
        lock_for(tmp_path, clock).acquire("second-run")


def test_killed_holder_is_taken_over(tmp_path, clock, holder):
    clock.now = clock.now.now(clock.now.tzinfo)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    lock = lock_for(tmp_path, clock)
    stale = lock.acquire("second-run")
    assert stale is not None and stale.run_id == "holder-run" and stale.pid == holder.pid
    assert lock.holder().run_id == "second-run" and lock.holder().pid == os.getpid()
    lock.release()
    assert lock.holder() is None


def test_silent_holder_on_another_host_times_out(tmp_path, clock):
    conn = open_log(tmp_path).conn
    conn.execute("INSERT INTO schedule_lock VALUES ('schedule', 'far-run', 1, 'other-host', '2026-02-10T02:00:00Z',"
                 " '2026-02-10T02:45:00Z')")
    with pytest.raises(LockHeld):
        lock_for(tmp_path, clock).acquire("too-early")  # heartbeat 15 min old
    clock.advance(minutes=20)
    assert lock_for(tmp_path, clock).acquire("late-enough").run_id == "far-run"


def test_scheduler_marks_a_dead_run_stalled_and_alerts(tmp_path, clock):
    conn = open_log(tmp_path).conn
    conn.execute("INSERT INTO scheduled_runs(run_id, started_at, status) VALUES ('dead-run', '2026-02-09T03:00:00Z', 'running')")
    conn.execute("INSERT INTO schedule_lock VALUES ('schedule', 'dead-run', 1, 'other-host', '2026-02-09T03:00:00Z',"
                 " '2026-02-09T03:05:00Z')")
    summary = Scheduler(tmp_path, [], load_calendar(), clock=clock, load=lambda root, sites: None).run_once()
    assert summary.status == "ok" and summary.alerts == 1
    assert conn.execute("SELECT status FROM scheduled_runs WHERE run_id = 'dead-run'").fetchone()[0] == "stalled"
    assert [tuple(row) for row in conn.execute("SELECT rule FROM alerts")] == [("stalled",)]
    assert conn.execute("SELECT count(*) FROM schedule_lock").fetchone()[0] == 0


# Opens the log, says "ready", on "go" says "taking" and takes the lock, says "won <replaced run>" or
# "held", then stays alive (a winner's lock stays live) until its stdin closes.
RACE = textwrap.dedent("""
    import os, sys
    from datetime import datetime, timedelta, timezone
    from pathlib import Path
    from harvester.operate.lock import LockHeld, RunLock
    from harvester.operate.state import open_log
    lock = RunLock(open_log(Path(sys.argv[1])), lambda: datetime.now(timezone.utc), timedelta(minutes=30))
    print("ready", flush=True)
    sys.stdin.readline()
    print("taking", flush=True)
    try:
        print("won", lock.acquire(f"racer-{os.getpid()}").run_id, flush=True)
    except LockHeld:
        print("held", flush=True)
    sys.stdin.read()
""")


def waiting(pid: int) -> bool:
    """Whether the process sleeps (after "taking": waiting for the write lock the test holds)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] == "S"


def test_schedulers_racing_for_a_stale_lock_cannot_both_win(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    log = open_log(tmp_path)
    log.conn.execute("INSERT INTO schedule_lock VALUES ('schedule', 'dead-run', ?, ?, '2026-02-10T02:00:00Z',"
                     " '2026-02-10T02:00:00Z')", (int(dead.stdout), socket.gethostname()))
    racers = [subprocess.Popen([sys.executable, "-c", RACE, str(tmp_path)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True) for _ in range(4)]
    try:
        assert [racer.stdout.readline().strip() for racer in racers] == ["ready"] * 4
        log.conn.execute("BEGIN IMMEDIATE")  # every racer reaches the lock before any can write
        for racer in racers:
            racer.stdin.write("go\n")
            racer.stdin.flush()
        assert [racer.stdout.readline().strip() for racer in racers] == ["taking"] * 4
        assert all([wait_for(lambda pid=racer.pid: waiting(pid), 60) for racer in racers])
        log.conn.execute("ROLLBACK")
        answers = [racer.stdout.readline().strip() for racer in racers]
        assert sorted(answers) == ["held", "held", "held", "won dead-run"]
        winner = racers[answers.index("won dead-run")]
        assert RunLock(log, lambda: None, timedelta(minutes=30)).holder().pid == winner.pid
    finally:
        for racer in racers:
            racer.stdin.close()
            racer.wait()
        log.close()
