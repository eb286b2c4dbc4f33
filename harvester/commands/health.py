"""`harvester health`: each source's latest health, recent alerts, and the largest holes of the coverage."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlite_utils

from harvester.archive.fetchlog import operating
from harvester.commands.options import existing_archive_option
from harvester.config import Layout
from harvester.operate import coverage
from harvester.operate.state import open_log

HOLES = 10  # the largest holes of the coverage shown


@click.command(name="health")
@existing_archive_option
@click.option("--alerts", "n_alerts", default=20, show_default=True, help="How many recent alerts to show.")
@click.option("--strict", is_flag=True, help="Exit 1 when any source is not ok (for monitoring probes).")
def command(archive: Path, n_alerts: int, strict: bool) -> None:
    """Print source health (from the last scheduled runs), recent alerts and the ten largest holes of
    the coverage (province, level and year with the most reports missing after their deadline).

    Example: harvester health --archive /data/harvester --strict
    """
    log = open_log(archive, read_only=True)
    try:
        rows = operating.latest_health(log)
        recent = operating.recent_alerts(log, n_alerts)
    finally:
        log.close()
    if not rows:
        click.echo("no scheduled run yet: run `harvester schedule run-once`")
    for row in rows:
        previous = "" if row["previous_reports"] is None else f" (last run {row['previous_reports']})"
        click.echo(f"{row['site']:<20} {row['status']:<16} {row['reports_found']} reports{previous}"
                   f"  checked {row['checked_at']}  {row['detail'] or ''}".rstrip())
    for alert in recent:
        click.echo(f"ALERT {alert['raised_at']} {alert['rule']}: {alert['message']} [{alert['delivered']}]")
    for hole in _holes(Layout(archive).published):
        click.echo(f"hole: {hole['province']} {hole['level']} {hole['year']}: {hole['missing']} of "
                   f"{hole['expected']} reports missing after their deadline")
    if strict and any(row["status"] != "ok" for row in rows):
        sys.exit(1)


def _holes(db_path: Path) -> list[dict]:
    """The ten largest holes of the coverage (harvester.operate.coverage), none before a load."""
    if not db_path.exists():
        return []
    db = sqlite_utils.Database(db_path)
    try:
        return coverage.holes(db, HOLES)
    finally:
        db.close()
