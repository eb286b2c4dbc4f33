"""The CLI as an operator uses it: the printed cron line really runs a pass; health and status report it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from harvester.operate import health as checks
from harvester.operate.lock import RunLock
from harvester.operate.scheduler import utc_clock
from harvester.operate.state import open_log

REPO_ROOT = Path(__file__).resolve().parents[2]

DEMO = str(REPO_ROOT / "harvester" / "registry_demo.yaml")


# Root writes through file modes: a read-only archive is read-only to root only without these capabilities.
HONOUR_FILE_MODES = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []


def harvester(*args: str, archive, wrapper: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    env = {**os.environ, "HARVESTER_ARCHIVE": str(archive)}
    return subprocess.run([*wrapper, sys.executable, "-m", "harvester", *args], env=env, capture_output=True,
                          text=True, timeout=240, cwd=REPO_ROOT)


def test_printed_cron_line_runs_a_pass_that_health_reports(replica, tmp_path):
    options = ["--registry", DEMO, "--portal", replica.url, "--site", "demo-trs", "-s", "DOWNLOAD_DELAY=0",
               "-s", "AUTOTHROTTLE_ENABLED=False"]
    printed = harvester("schedule", "install", "--print", *options, archive=tmp_path)
    assert printed.returncode == 0, printed.stderr
    assert "[Timer]\nOnCalendar=hourly" in printed.stdout and "SuccessExitStatus=75" in printed.stdout
    cron = re.search(r"^# ---- crontab ----\n(.+)$", printed.stdout, re.M).group(1)
    schedule, command = cron.split(" ", 5)[:5], cron.split(" ", 5)[5]
    assert schedule == ["17", "*", "*", "*", "*"]
    subprocess.run(command, shell=True, check=True, timeout=240)
    log = (tmp_path / "schedule.log").read_text()
    assert "sources: 1 due, 1 tried, 0 failed" in log

    health = harvester("health", archive=tmp_path)
    assert health.returncode == 0 and re.search(r"demo-trs\s+\w+\s+[1-9]\d* reports", health.stdout)
    status = harvester("schedule", "status", "--registry", DEMO, "--portal", replica.url, archive=tmp_path)
    assert "lock: free" in status.stdout and re.search(r"run sched-\S+: ok, 1 sources, [1-9]\d* new", status.stdout)


def test_run_once_exits_75_while_another_run_holds_the_lock(tmp_path):
    lock = RunLock(open_log(tmp_path), utc_clock, timedelta(minutes=30))
    lock.acquire("busy-run")  # this (live) test process holds it
    result = harvester("schedule", "run-once", "--registry", DEMO, "--portal", "http://127.0.0.1:9", archive=tmp_path)
    assert result.returncode == 75 and "busy-run" in result.stderr


def test_health_and_status_read_a_read_only_archive_and_change_nothing(tmp_path):
    archive = tmp_path / "archive"
    log = open_log(archive)
    checks.save(log, checks.SourceHealth("sched-1", "demo-trs", None, "2026-01-05T10:00:00+00:00", reports_found=3))
    log.close()
    before = {path.name: path.read_bytes() for path in archive.iterdir()}
    assert list(before) == ["archive.db"]
    (archive / "archive.db").chmod(0o444)
    archive.chmod(0o555)
    try:
        health = harvester("health", archive=archive, wrapper=HONOUR_FILE_MODES)
        status = harvester("schedule", "status", "--registry", DEMO, "--portal", "http://127.0.0.1:9", archive=archive,
                         wrapper=HONOUR_FILE_MODES)
    finally:
        archive.chmod(0o755)
    assert health.returncode == 0, health.stderr
    assert re.search(r"demo-trs\s+ok\s+3 reports", health.stdout)
    assert status.returncode == 0, status.stderr
    assert "lock: free" in status.stdout and "demo-trs: last checked 2026-01-05" in status.stdout
    assert {path.name: path.read_bytes() for path in archive.iterdir()} == before
