"""Unit files that run `harvester schedule run-once` unattended: a systemd service + timer, or a cron line.

The timer fires hourly; the calendar (schedule.yaml) decides which sources are due, so the
season changes without touching the timer. systemd never starts a second instance while one
runs, and the run lock also covers cron and manual runs.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from harvester.config import Layout

UNIT = "harvester-schedule"


def run_once_command(args: list[str]) -> str:
    """The shell command line of one scheduled pass, with this interpreter's harvester."""
    return shlex.join([sys.executable, "-m", "harvester", "schedule", "run-once", *args])


def service(command: str, archive: Path) -> str:
    """The systemd service unit (oneshot)."""
    return f"""[Unit]
Description=harvester: one scheduled crawl, load and health pass
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
Environment=HARVESTER_ARCHIVE={archive}
ExecStart={command}
# exit 75 = another run holds the lock: not a failure
SuccessExitStatus=75
Nice=10
"""


def timer(every: str = "hourly") -> str:
    """The systemd timer unit."""
    return f"""[Unit]
Description=harvester: scheduled crawls (the calendar decides which sources are due)

[Timer]
OnCalendar={every}
RandomizedDelaySec=300
Persistent=true

[Install]
WantedBy=timers.target
"""


def cron_line(command: str, archive: Path) -> str:
    """The crontab line (minute 17 of every hour), logging to <archive>/schedule.log."""
    log = shlex.quote(str(Layout(archive).schedule_log))
    return (f"17 * * * * HARVESTER_ARCHIVE={shlex.quote(str(archive))}"
            f" {command} >> {log} 2>&1")


def render(args: list[str], archive: Path) -> dict[str, str]:
    """File name -> text: the service, the timer and a crontab alternative."""
    command = run_once_command(args)
    return {
        f"{UNIT}.service": service(command, archive),
        f"{UNIT}.timer": timer(),
        "crontab": cron_line(command, archive) + "\n",
    }
