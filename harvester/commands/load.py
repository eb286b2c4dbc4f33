"""`harvester load`: (re)build the published database from the archive."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import click
from click.core import ParameterSource

from harvester.cluster import ClusterError
from harvester.commands.options import echo_progress, existing_archive_option, portal_option, registry_option
from harvester.config import Layout
from harvester.db.load import DEFAULT_WORKERS, load
from harvester.db.parsing import Parsing
from harvester.db.sources import recorded_sites
from harvester.errors import OperatorError, is_disk_error
from harvester.registry import REGISTRY, RegistryError, Site, load_registry


@click.command(name="load")
@existing_archive_option
@registry_option("the entries recorded with the archive's runs")
@portal_option
@click.option("--workers", default=DEFAULT_WORKERS, show_default=True, type=click.IntRange(1),
              help="Processes parsing files in parallel.")
@click.option("--retry-failed", is_flag=True,
              help="Parse again every file whose cached parse failed (a crash under other limits is retried anyway).")
@click.option("--cluster", metavar="ADDRESS", help="Parse on the Dask cluster whose scheduler is at ADDRESS"
              " (its workers: harvester parse-workers) instead of --workers processes here.")
def command(archive: Path, registry_path: str | None, portal: str | None, workers: int,
            retry_failed: bool, cluster: str | None) -> None:
    """Parse every archived report and load it into <archive>/harvester.db.

    Never uses the network (but to reach --cluster); files already parsed by this parser version
    are not re-parsed.

    Example: harvester load --archive /data/harvester [--cluster tcp://10.0.0.5:8786]
    """
    if cluster and click.get_current_context().get_parameter_source("workers") is not ParameterSource.DEFAULT:
        raise click.UsageError("--workers sizes the processes parsing here; with --cluster give each machine's"
                               " count to `harvester parse-workers ADDRESS --workers N` instead")
    try:
        summary = load(archive, _sites(archive, registry_path, portal), progress=echo_progress, workers=workers,
                       retry_failed=retry_failed, parsing=cluster_parsing(cluster))
    except ClusterError as error:
        raise click.ClickException(str(error)) from error
    except (OSError, sqlite3.OperationalError) as error:
        if not is_disk_error(error):
            raise
        raise OperatorError(f"the load could not write under {archive} ({type(error).__name__}: {error}): free"
                            " space or mend the disk and run it again; what it wrote before is whole (each"
                            " report and each parse is written in a transaction of its own)") from error
    for line in summary.lines():
        click.echo(line)
    click.echo(f"database: {Layout(archive).published}")


def _sites(archive: Path, registry_path: str | None, portal: str | None) -> list[Site]:
    """The registry named with --registry, else the one the archive's runs recorded (none: refused)."""
    if not registry_path:
        recorded = recorded_sites(archive)
        if not recorded:
            raise click.ClickException(
                f"the runs of {archive} recorded no registry (crawled with --url only, or by an older harvester):"
                f" name the one whose agencies the reports belong to with --registry FILE,"
                f" e.g. --registry {REGISTRY}")
        return recorded
    try:
        return load_registry(registry_path, portal=portal)
    except RegistryError as error:
        raise click.ClickException(str(error)) from error


def cluster_parsing(address: str | None) -> Parsing | None:
    """The cluster's Parsing for --cluster ADDRESS (Dask imported only then), else None: parse here."""
    if address is None:
        return None
    from harvester.cluster.submit import ClusterParsing

    return ClusterParsing(address)
