"""`harvester schedule`: one scheduled pass (run-once), its timer/cron units (install), and status."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from harvester.archive.fetchlog import operating
from harvester.commands.options import archive_option, existing_archive_option, portal_option, registry_option
from harvester.operate import install
from harvester.operate.alerts import Sinks
from harvester.operate.calendar import CalendarError, load_calendar
from harvester.operate.crawling import RunnerCrawl
from harvester.operate.lock import LockHeld, RunLock
from harvester.operate.scheduler import Scheduler, utc_clock
from harvester.operate.state import open_log, parse_iso
from harvester.registry import RegistryError, load_registry, select

EXIT_LOCKED = 75  # EX_TEMPFAIL: another run is at work; the timer simply tries again later


def _pass_options(function):
    """Options of run-once, also written into the installed units."""
    for decorator in reversed((
        registry_option(),
        portal_option,
        click.option("--site", "site_ids", multiple=True, metavar="ID", help="Only these registry ids (repeatable)."),
        click.option("--config", "config_path", metavar="FILE", help="Calendar (default: harvester/operate/schedule.yaml)."),
        click.option("--webhook", envvar="HARVESTER_ALERT_WEBHOOK", metavar="URL", help="POST alerts as JSON here."),
        click.option("--alert-command", envvar="HARVESTER_ALERT_COMMAND", metavar="CMD",
                     help="Shell command receiving alerts as JSON on stdin (e.g. a mail command)."),
        click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", help="Scrapy setting override."),
    )):
        function = decorator(function)
    return function


@click.group(name="schedule")
def command() -> None:
    """Scheduled crawls on a deadline-aware calendar (often in Feb-Apr, rarely otherwise).

    Example: harvester schedule install --print   (then install the printed timer or cron line)
    """


@command.command(name="run-once")
@archive_option
@_pass_options
def run_once(archive: Path, registry_path: str | None, portal: str | None, site_ids: tuple[str, ...],
             config_path: str | None, webhook: str | None, alert_command: str | None, settings: tuple[str, ...]) -> None:
    """One pass: lock, crawl due sources, load, health, alerts, unlock (what the timer runs).

    Exit status: 0 ok, 1 the run had errors, 75 another run holds the lock.

    Example: harvester schedule run-once --webhook https://chat.example.org/hooks/harvester
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        sites = select(load_registry(registry_path, portal=portal), list(site_ids))
        calendar = load_calendar(config_path)
    except (RegistryError, CalendarError) as error:
        raise click.ClickException(str(error)) from error
    overrides = dict(setting.split("=", 1) for setting in settings if "=" in setting)
    crawl = RunnerCrawl(Path(registry_path) if registry_path else None, portal, overrides)
    scheduler = Scheduler(archive, sites, calendar, sinks=Sinks(webhook, alert_command), crawl=crawl)
    try:
        summary = scheduler.run_once()
    except LockHeld as error:
        click.echo(f"not started: {error}", err=True)
        sys.exit(EXIT_LOCKED)
    for line in summary.lines():
        click.echo(line)
    sys.exit(1 if summary.errors else 0)


@command.command(name="install")
@archive_option
@_pass_options
@click.option("--print", "print_only", is_flag=True, help="Print the units and the cron line (the default).")
@click.option("--dest", type=click.Path(file_okay=False, path_type=Path), help="Write the files into this folder.")
def install_units(archive: Path, print_only: bool, dest: Path | None, **options) -> None:
    """Print (or write) a systemd service + hourly timer and an equivalent cron line.

    Example: harvester schedule install --print --webhook https://chat.example.org/hooks/harvester
    then: cp harvester-schedule.* ~/.config/systemd/user/ && systemctl --user enable --now harvester-schedule.timer
    """
    files = install.render(_as_args(options), archive)
    if dest and not print_only:
        dest.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (dest / name).write_text(text, encoding="utf-8")
            click.echo(f"wrote {dest / name}")
        return
    for name, text in files.items():
        click.echo(f"# ---- {name} ----\n{text}")


def _as_args(options: dict) -> list[str]:
    """run-once flags reproducing the given options (secrets such as webhook URLs included: keep the units private)."""
    flags = {"registry_path": "--registry", "portal": "--portal", "site_ids": "--site", "config_path": "--config",
             "webhook": "--webhook", "alert_command": "--alert-command", "settings": "-s"}
    args: list[str] = []
    for name, flag in flags.items():
        value = options.get(name)
        for item in value if isinstance(value, tuple) else [value] if value else []:
            args += [flag, str(Path(item).resolve()) if name in ("registry_path", "config_path") else item]
    return args


@command.command(name="status")
@existing_archive_option
@registry_option()
@portal_option
@click.option("--config", "config_path", metavar="FILE", help="Calendar (default: harvester/operate/schedule.yaml).")
def status(archive: Path, registry_path: str | None, portal: str | None, config_path: str | None) -> None:
    """Who holds the lock, the last runs, and when each source is due next.

    Example: harvester schedule status --archive /data/harvester
    """
    try:
        sites = load_registry(registry_path, portal=portal)
        calendar = load_calendar(config_path)
    except (RegistryError, CalendarError) as error:
        raise click.ClickException(str(error)) from error
    log = open_log(archive, read_only=True)
    try:
        holder = RunLock(log, utc_clock, calendar.lock_stale_after).holder()
        click.echo(f"lock: {holder.run_id} (pid {holder.pid} on {holder.host}, heartbeat {holder.heartbeat})"
                   if holder else "lock: free")
        for row in operating.recent_scheduled_runs(log, 5):
            click.echo(f"run {row['run_id']}: {row['status']}, {row['sources_tried']} sources, {row['new']} new,"
                       f" {row['alerts']} alerts, ended {row['ended_at']}")
        last = operating.last_checked(log)
    finally:
        log.close()
    now = utc_clock()
    for site in sites:
        checked = parse_iso(last[site.id]) if site.id in last else None
        click.echo(f"{site.id}: last checked {checked or 'never'}, next due {calendar.next_due(checked, now):%Y-%m-%d %H:%M}")
