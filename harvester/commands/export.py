"""`harvester export`: CSV datasets, codebook and datapackage.json from the published database."""

from __future__ import annotations

from pathlib import Path

import click

from harvester.commands.options import archive_option
from harvester.export import ExportError, export, export_wacz, export_workbook


@click.command(name="export")
@archive_option
@click.option("--out", "out", required=True, metavar="DIR", type=click.Path(path_type=Path),
              help="Folder to write the CSV files and datapackage.json into.")
@click.option("--bom", is_flag=True, help="Start each CSV with a UTF-8 byte-order mark (Excel).")
@click.option("--xlsx", is_flag=True, help="Also write harvester.xlsx (one sheet per dataset, ids as text).")
@click.option("--wacz", is_flag=True, help="Also write archive.wacz (the WARC files, for ReplayWeb.page).")
def command(archive: Path, out: Path, bom: bool, xlsx: bool, wacz: bool) -> None:
    """Write long and wide CSV panels, the codebook and a datapackage.json.

    Example: harvester export --out exports/ --bom --xlsx --wacz
    """
    try:
        counts = export(archive, out, bom=bom)
        extra = [export_workbook(archive, out)] if xlsx else []
        extra += [export_wacz(archive, out)] if wacz else []
    except ExportError as error:
        raise click.ClickException(str(error)) from error
    for name, rows in counts.items():
        click.echo(f"{out / name}.csv: {rows} rows")
    for path in [out / "datapackage.json", *extra]:
        click.echo(str(path))
