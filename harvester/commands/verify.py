"""`harvester verify`: re-hash every archived byte and check the fetch log and WARC files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from harvester.archive import Archive
from harvester.commands.options import existing_archive_option


@click.command("verify")
@existing_archive_option
def command(archive: Path) -> None:
    """Check that the archive keeps its promises: every blob hashes to its name, every
    fetch-log row has its blob, every WARC record the log points at reads back.

    Exit status 1 when a problem is found. Example: harvester verify --archive archive/data
    """
    report = Archive(archive).verify()
    click.echo(f"{report.blobs_checked} blobs re-hashed, {len(report.problems)} problems, "
               f"{len(report.orphan_blobs)} blobs without a fetch row (a crash before commit; "
               f"harmless), {report.temp_files} leftover temp files (ignored)")
    for problem in report.problems:
        click.echo(f"  problem: {problem}")
    sys.exit(0 if report.ok else 1)
