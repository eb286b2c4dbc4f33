"""The CLI as an operator uses it: the printed cron line really runs a pass; health and status report it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from harvester.operate.lock import RunLock
from harvester.operate.scheduler import utc_clock
from harvester.operate.state import open_log

REPO_ROOT = Path(__file__).resolve().parents[2]

DEMO = str(REPO_ROOT / "harvester" / "registry_demo.yaml")


def harvester(*args: str, archive) -> subprocess.CompletedProcess:
    env = {**os.environ, "HARVESTER_ARCHIVE": str(archive)}
    return subprocess.run([sys.executable, "-m", "harvester", *args], env=env, capture_output=True, text=True,
                          timeout=240, cwd=REPO_ROOT)


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
