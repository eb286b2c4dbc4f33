"""`harvester workers`: a distributed crawl on scrapy-redis (N worker processes on this machine)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from harvester.commands.options import archive_option, portal_option, registry_option
from harvester.archive.fetchlog import new_run_id
from harvester.crawl.runner import summarise
from harvester.operate import workers
from harvester.registry import RegistryError, load_registry, select


@click.command(name="workers")
@archive_option
@click.option("--redis", "redis_url", required=True, metavar="URL", help="Shared Redis, e.g. redis://10.0.0.5:6379/0.")
@click.option("--workers", "n_workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes on this machine.")
@click.option("--crawl-id", metavar="ID", help="Name of the crawl in Redis (default: a new one). Reuse it to join.")
@click.option("--join", is_flag=True, help="Join the crawl --crawl-id without seeding start columns (other machines).")
@registry_option()
@portal_option
@click.option("--site", "site_ids", multiple=True, metavar="ID", help="Only these registry ids (repeatable).")
@click.option("--timeout", type=float, metavar="SECONDS", help="Stop the workers after this long.")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", help="Scrapy setting override.")
def command(archive: Path, redis_url: str, n_workers: int, crawl_id: str | None, join: bool, registry_path: str | None,
            portal: str | None, site_ids: tuple[str, ...], timeout: float | None, settings: tuple[str, ...]) -> None:
    """Crawl the registry with N scrapy-redis workers sharing one frontier and duplicate filter.

    Every worker writes into the same archive root (see docs/OPERATING.md for several machines).

    Example: harvester workers --redis redis://127.0.0.1:6379/0 --workers 4
    """
    if join and not crawl_id:
        raise click.UsageError("--join needs the --crawl-id of the running crawl")

    crawl = workers.Crawl(crawl_id or f"crawl-{new_run_id()}", redis_url, archive)
    if not join:
        try:
            sites = select(load_registry(registry_path, portal=portal), list(site_ids))
        except RegistryError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"crawl {crawl.crawl_id}: {workers.seed(crawl, sites)} start columns seeded")
    overrides = dict(setting.split("=", 1) for setting in settings if "=" in setting)
    started = [workers.start_worker(crawl, number, overrides) for number in range(n_workers)]
    outcome = workers.wait(started, timeout)
    for worker in started:
        summary = summarise(worker.run_id, archive)
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(summary["outcomes"].items())) or "no fetches"
        click.echo(f"{worker.name}: exit {outcome.returncodes[worker.name]}, {outcomes} (log {worker.log})")
    cleaned = not join and workers.finish(crawl)
    click.echo(f"{outcome.seconds} s; frontier {'empty, Redis keys removed' if cleaned else 'kept in Redis'}")
    sys.exit(1 if outcome.timed_out or any(outcome.returncodes.values()) else 0)
