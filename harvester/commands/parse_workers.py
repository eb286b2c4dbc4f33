"""`harvester parse-workers`: Dask workers that parse and OCR the jobs of `harvester load --cluster`."""

from __future__ import annotations

from pathlib import Path

import click

from harvester.cluster.workers import run_workers
from harvester.commands.options import archive_option


@click.command(name="parse-workers")
@click.argument("scheduler", metavar="ADDRESS")
@archive_option
@click.option("--workers", "processes", default=1, show_default=True, type=click.IntRange(1, 256),
              help="Worker processes on this machine (one job and one core each).")
@click.option("--name", metavar="NAME", help="Name of these workers on the scheduler (default: Dask's).")
def command(scheduler: str, archive: Path, processes: int, name: str | None) -> None:
    """Join the Dask scheduler at ADDRESS with N parse workers reading blobs from --archive.

    --archive is the archive as this machine sees it (shared storage: the blobs must be there);
    results go back to the load, which caches and publishes them. Runs until stopped; a worker
    process that dies is restarted, and the scheduler re-runs its jobs on the others.

    Example: harvester parse-workers tcp://10.0.0.5:8786 --archive /mnt/harvester --workers 8
    """
    run_workers(scheduler, archive, processes, name)
