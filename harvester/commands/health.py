"""`harvester health`: each source's latest health, recent alerts, and reports missing after their deadline."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import click

from harvester.archive.fetchlog import operating
from harvester.commands.options import existing_archive_option
from harvester.config import Layout
from harvester.operate.state import open_log


@click.command(name="health")
@existing_archive_option
@click.option("--alerts", "n_alerts", default=20, show_default=True, help="How many recent alerts to show.")
@click.option("--strict", is_flag=True, help="Exit 1 when any source is not ok (for monitoring probes).")
def command(archive: Path, n_alerts: int, strict: bool) -> None:
    """Print source health (from the last scheduled runs), recent alerts and missing reports.

    Example: harvester health --archive /data/harvester --strict
    """
    log = open_log(archive)
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
    for agency, years in _missing(Layout(archive).published):
        click.echo(f"missing after deadline: {agency}: {years}")
    if strict and any(row["status"] != "ok" for row in rows):
        sys.exit(1)


def _missing(db_path: Path) -> list[tuple[str, str]]:
    """(agency, years) whose report is missing after the legal deadline, from the coverage table."""
    if not db_path.exists():
        return []
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(
            "SELECT agency, group_concat(year, ',') FROM (SELECT agency, year FROM coverage"
            " WHERE status = 'missing_after_deadline' ORDER BY agency, year) GROUP BY agency"
        ).fetchall()
    except sqlite3.OperationalError:
        return []  # no coverage table before the first scheduled run
    finally:
        conn.close()
