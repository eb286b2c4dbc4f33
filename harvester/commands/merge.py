"""`harvester merge`: fold archives written on other machines into this one."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from harvester.archive import Archive
from harvester.archive.merge import MergeError, MergeReport, merge
from harvester.commands.options import archive_option


def summary(report: MergeReport) -> str:
    """One line per merged source."""
    rows = ", ".join(f"{count} {table}" for table, count in report.rows_imported.items())
    renamed = f" ({len(report.warc_renamed)} renamed: name clash)" if report.warc_renamed else ""
    return (f"{report.source}: blobs {report.blobs_copied} copied, {report.blobs_present} already present; "
            f"WARC files {report.warc_copied} copied{renamed}, {report.warc_present} already present; "
            f"rows imported: {rows}")


@click.command("merge")
@click.argument("sources", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=Path))
@archive_option
@click.option("--verify", "verify", is_flag=True, help="Run `harvester verify` on the target afterwards.")
def command(sources: tuple[Path, ...], archive: Path, verify: bool) -> None:
    """Fold the archive roots SOURCE... (e.g. rsynced from workers on other machines) into the
    archive. Safe to repeat and to re-run after an interruption: what is there is skipped.

    Exit status 1 when a source could not be merged (nothing of it imported) or --verify finds a
    problem. Example: harvester merge /srv/from-worker2 /srv/from-worker3 --archive archive/data --verify
    """
    failed = False
    for source in sources:
        try:
            click.echo(summary(merge(source, archive)))
        except MergeError as error:
            click.echo(f"error: {error}", err=True)
            failed = True
    if verify:
        report = Archive(archive).verify()
        click.echo(f"verify: {report.blobs_checked} blobs re-hashed, {len(report.problems)} problems")
        for problem in report.problems:
            click.echo(f"  problem: {problem}")
        failed = failed or not report.ok
    sys.exit(1 if failed else 0)
