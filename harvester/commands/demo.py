"""`harvester demo`: the whole pipeline on the bundled replica portal, then Datasette."""

from __future__ import annotations

from pathlib import Path

import click

from harvester.commands.options import echo_progress
from harvester.commands.serve import serve
from harvester.config import Layout, archive_root
from harvester.crawl.runner import LOOPBACK_SETTINGS, crawl
from harvester.db.load import load
from harvester.db.sources import recorded_sites
from harvester.portal import start_portal
from harvester.registry import DEMO_REGISTRY

# Inside the default archive root, but a root of its own: never mixed with real crawls.
DEMO_FOLDER = "demo"
# A fixed port keeps the portal's URLs stable, so a second demo run is an incremental recrawl.
DEMO_PORTAL_PORT = 8765
CRAWL_TIMEOUT_S = 600  # the replica crawls in under a minute; a stuck crawl must not hang the demo


@click.command(name="demo")
@click.option("--archive", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help=f"Archive root for the demo (default: <archive root>/{DEMO_FOLDER}, kept apart from real data).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Datasette interface.")
@click.option("--port", default=8001, show_default=True, type=int, help="Datasette port.")
@click.option("--portal-port", default=DEMO_PORTAL_PORT, show_default=True, type=int,
              help="Port of the replica portal; 0 picks any free port.")
@click.option("--no-serve", is_flag=True, help="Stop after loading (do not start Datasette).")
def command(archive: Path | None, host: str, port: int, portal_port: int, no_serve: bool) -> None:
    """Crawl the replica portal, archive, parse, load, then serve the archive in Datasette.

    Example: harvester demo   (then open the printed URL; Ctrl-C stops)
    """
    archive = archive.resolve() if archive else archive_root() / DEMO_FOLDER
    with start_portal(port=portal_port) as portal:
        seeds = {report.seed for report in portal.reports}
        click.echo(f"replica portal: {portal.url} ({len(seeds)} reports published as "
                   f"{len(portal.reports)} documents)")
        summary = crawl(registry=DEMO_REGISTRY, portal=portal.url, archive=archive,
                        settings=LOOPBACK_SETTINGS, timeout=CRAWL_TIMEOUT_S,
                        on_line=lambda line: click.echo(line, err=True))
    fetched = sum(summary["outcomes"].values())
    click.echo(f"crawl {summary['run_id']}: {summary['status']}, {fetched} fetches "
               f"{summary['kinds']} in {summary['seconds']} s")
    if summary["returncode"] != 0 or summary["status"] != "finished":
        tail = "\n".join(summary.get("log_tail", []))
        raise click.ClickException(f"the crawl did not finish; last log lines:\n{tail}")
    result = load(archive, recorded_sites(archive), progress=echo_progress)
    for line in result.lines():
        click.echo(line)
    click.echo(f"database: {Layout(archive).published}")
    if no_serve:
        click.echo(f"serve it with: harvester serve --archive {archive}")
        return
    click.echo(f"Datasette: http://{host}:{port}/  (Ctrl-C to stop)")
    serve(archive, host, port)
