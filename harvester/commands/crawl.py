"""`harvester crawl [--site ID ...] [--url START] [--registry FILE] [--archive DIR] [--run-id ID]`."""

from __future__ import annotations

import json
import sys

import click

from harvester.commands.options import HTTP_URL, archive_option, portal_option, registry_option
from harvester.crawl.runner import LOOPBACK_SETTINGS, CrawlError, crawl
from harvester.registry import RegistryError, load_registry, select


@click.command("crawl")
@click.option("--site", "sites", multiple=True, metavar="ID", help="Registry id to crawl (repeatable; default: all).")
@click.option("--url", metavar="START", type=HTTP_URL, help="Crawl one report column from this URL instead of the registry.")
@registry_option()
@portal_option
@archive_option
@click.option("--run-id", metavar="ID", help="Run id (default: a new timestamped id).")
@click.option("--jobdir", type=click.Path(file_okay=False), help="Scrapy JOBDIR: make this crawl pausable/resumable.")
@click.option("--loopback", is_flag=True, help="No politeness delays (only for the local replica portal).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS", help="Stop the crawl after this long.")
@click.option("--max-pages", type=click.IntRange(min=1), metavar="N", help="Stop the crawl after N responses.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def command(sites, url, registry_path, portal, archive, run_id, jobdir, loopback, timeout, max_pages,
            as_json) -> None:
    """Find annual reports on government portals and archive every fetched byte.

    Runs the discovery spider (Scrapy, in a subprocess) over registry entries or one start URL.
    Exit status: 0 finished, 1 the crawl failed or was stopped, 2 bad arguments.

    \b
    Examples:
      harvester crawl --site sy-kjj --site sy-city
      harvester crawl --url http://127.0.0.1:8000/zwgk/zfxxgknb/index.html --loopback
      harvester crawl --url https://portal.example.gov.cn/col/index.html --timeout 3600 --max-pages 5000
      harvester crawl --registry harvester/registry_demo.yaml --portal http://127.0.0.1:8000 --loopback
    """
    try:
        if not url:
            select(load_registry(registry_path, portal=portal), list(sites))  # fail fast on unknown ids
        summary = crawl(
            sites=list(sites) or None,
            url=url,
            registry=registry_path,
            portal=portal,
            archive=archive,
            run_id=run_id,
            jobdir=jobdir,
            settings=LOOPBACK_SETTINGS if loopback else None,
            timeout=timeout,
            max_pages=max_pages,
            on_line=lambda line: click.echo(line, err=True),
        )
    except (CrawlError, RegistryError) as error:
        raise click.UsageError(str(error)) from error
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        _print_summary(summary)
    sys.exit(0 if summary["returncode"] == 0 and summary["status"] == "finished" else 1)


def _print_summary(summary: dict) -> None:
    """A few human lines: run, status, fetches by kind and by outcome."""
    click.echo(f"run {summary['run_id']}: {summary['status'] or 'no run recorded'} in {summary['seconds']} s"
               + (" (stopped by --timeout)" if summary["timed_out"] else ""))
    click.echo("  fetched: " + (", ".join(f"{k} {n}" for k, n in sorted(summary["kinds"].items())) or "nothing"))
    click.echo("  outcomes: " + (", ".join(f"{k} {n}" for k, n in sorted(summary["outcomes"].items())) or "none"))
    for line in summary.get("log_tail", []):
        click.echo(f"  | {line}", err=True)
