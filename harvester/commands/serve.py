"""`harvester serve`: browse the published database in Datasette (read-only)."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import click
from datasette.cli import cli as datasette_cli

from harvester import damage
from harvester.commands.options import archive_option
from harvester.config import Layout
from harvester.db.datasette import datasette_args, write_metadata
from harvester.db.plugins import register_plugins


@click.command(name="serve")
@archive_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8001, show_default=True, type=int, help="Port (0: any free port).")
@click.option("--allow-sql", is_flag=True,
              help="Allow arbitrary read-only SQL (off by default: canned queries only).")
def command(archive: Path, host: str, port: int, allow_sql: bool) -> None:
    """Serve <archive>/harvester.db with Datasette until Ctrl-C.

    Example: harvester serve --port 8001, then open http://127.0.0.1:8001/
    """
    serve(archive, host, port, allow_sql)


def serve(archive: Path, host: str, port: int, allow_sql: bool = False) -> None:
    """Run Datasette in the foreground on the archive's database."""
    published = Layout(archive).published
    if not published.exists():
        raise click.ClickException(f"no {published.name} under {archive}: run `harvester load` first")
    register_plugins()
    with tempfile.TemporaryDirectory(prefix="harvester-serve-") as scratch:
        metadata = write_metadata(Path(scratch) / "metadata.json")
        # In this process, so stopping `harvester serve` stops Datasette (uvicorn handles signals).
        try:
            datasette_cli.main(args=datasette_args(archive, metadata, host, port, allow_sql),
                               prog_name="datasette", standalone_mode=False)
        except sqlite3.DatabaseError as error:  # met by Datasette's start-up (it counts every table)
            if not damage.is_damage(error):
                raise
            raise click.ClickException(f"{published} is damaged ({error}): `harvester load --archive {archive}`"
                                       " sets it aside and builds it again from the archive") from error
