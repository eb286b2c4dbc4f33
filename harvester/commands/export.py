"""`harvester export`: CSV datasets, codebook and datapackage.json from the published database."""

from __future__ import annotations

from pathlib import Path

import click

from harvester.commands.options import archive_option
from harvester.export import ExportError, export


@click.command(name="export")
@archive_option
@click.option("--out", "out", required=True, metavar="DIR", type=click.Path(path_type=Path),
              help="Folder to write the CSV files and datapackage.json into.")
@click.option("--bom", is_flag=True, help="Start each CSV with a UTF-8 byte-order mark (Excel).")
def command(archive: Path, out: Path, bom: bool) -> None:
    """Write long and wide CSV panels, the codebook and a datapackage.json.

    Example: harvester export --out exports/ --bom
    """
    try:
        counts = export(archive, out, bom=bom)
    except ExportError as error:
        raise click.ClickException(str(error)) from error
    for name, rows in counts.items():
        click.echo(f"{out / name}.csv: {rows} rows")
    click.echo(f"{out / 'datapackage.json'}")
