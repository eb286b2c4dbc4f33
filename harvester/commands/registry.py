"""`harvester registry`: import the official list of government websites, list, validate and diff
the registry, and discover the report columns of imported portals."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click
import yaml

from harvester.commands.options import archive_option, registry_option
from harvester.config import Layout
from harvester.crawl.columns import PoliteFetcher
from harvester.crawl.settings import USER_AGENT
from harvester.registry import RegistryError, load_registry
from harvester.websites import checks
from harvester.websites.discover import Discovery, discover
from harvester.websites.entries import site_entries
from harvester.websites.official import OfficialFileError, read_files
from harvester.websites.store import CHANGES, PortalStore


def _store(archive: Path) -> PortalStore:
    return PortalStore(Layout(archive).registry)


@click.group(name="registry")
def command() -> None:
    """The registry: the bundled sites, divisions, and the government websites imported into the
    archive's registry.db from the official 全国政府网站基本信息数据库.

    Example: harvester registry import-sites 江苏省.csv 浙江省.zip
    """


@command.command(name="import-sites")
@archive_option
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_sites(archive: Path, files: tuple[Path, ...]) -> None:
    """Import official CSV exports (or zips of them); print the portals added, moved and vanished.

    Each site's 网站标识码 places it in its division (first six digits). A file covers the
    provinces its sites are in: a portal of those provinces it no longer lists has vanished.

    Example: harvester registry import-sites ~/Downloads/江苏省.csv
    """
    try:
        records, rejected = read_files(list(files))
    except OfficialFileError as error:
        raise click.ClickException(str(error)) from error
    store = _store(archive)
    try:
        result = store.import_sites(records, [str(f) for f in files], len(rejected))
    finally:
        store.close()
    for row in rejected:
        click.echo(f"rejected {row.source} line {row.line}: {row.reason}", err=True)
    click.echo(f"import {result.import_id}: {result.sites} sites, {len(rejected)} rows rejected; "
               + ", ".join(f"{len(result.changes[c])} {c}" for c in CHANGES))
    for change in CHANGES:
        for row in result.changes[change]:
            click.echo(_change_line(change, row["code"], row["old_url"], row["new_url"]))


def _change_line(change: str, code: str, old: str | None, new: str | None) -> str:
    return f"{change:<9} {code}  " + {"added": f"{new}", "moved": f"{old} -> {new}", "vanished": f"{old}"}[change]


@command.command(name="diff")
@archive_option
@click.option("--import", "import_id", type=int, help="The import to show (default: the latest).")
def diff(archive: Path, import_id: int | None) -> None:
    """Print the portals an import added, moved and vanished.

    Example: harvester registry diff --import 2
    """
    store = _store(archive)
    try:
        import_id, rows = store.changes(import_id)
    finally:
        store.close()
    if import_id is None:
        raise click.ClickException("no import yet: run `harvester registry import-sites FILE`")
    counts = Counter(row["change"] for row in rows)
    click.echo(f"import {import_id}: " + ", ".join(f"{counts[c]} {c}" for c in CHANGES))
    for row in rows:
        click.echo(_change_line(row["change"], row["code"], row["old_url"], row["new_url"]) + f"  {row['name']}")


@command.command(name="list")
@archive_option
@click.option("--division", metavar="CODE", help="Only portals in this division (e.g. 320000, 321300).")
@click.option("--all", "show_all", is_flag=True, help="Also portals that vanished from the official list.")
def list_portals(archive: Path, division: str | None, show_all: bool) -> None:
    """List imported portals with their division and what discovery found there.

    Example: harvester registry list --division 321300
    """
    store = _store(archive)
    try:
        rows = store.portals(division, listed_only=not show_all)
    finally:
        store.close()
    for row in rows:
        found = row["outcome"] or "not discovered"
        click.echo(f"{row['code']}  {row['division']}  {found:<14} {row['url']}  {row['name']}"
                   + ("" if row["listed"] else "  (vanished)"))
    click.echo(f"{len(rows)} portals", err=True)


@command.command(name="validate")
@archive_option
@registry_option()
def validate(archive: Path, registry_path: str | None) -> None:
    """Check the site registry and the imported portals against the divisions; exit 1 on a problem.

    Example: harvester registry validate --registry my-sites.yaml
    """
    try:
        sites = load_registry(registry_path)
    except RegistryError as error:
        raise click.ClickException(str(error)) from error
    store = _store(archive)
    try:
        problems = checks.registry_problems(sites) + checks.portal_problems(store.portals())
    finally:
        store.close()
    for problem in problems:
        click.echo(problem)
    click.echo(f"{len(sites)} registry sites checked; {len(problems)} problems", err=True)
    if problems:
        sys.exit(1)


@command.command(name="discover")
@archive_option
@click.option("--division", metavar="CODE", help="Only portals in this division.")
@click.option("--max-pages", default=60, show_default=True, help="Pages to read at most per portal.")
@click.option("--delay", default=1.0, show_default=True, help="Seconds between requests to one host (robots.txt may ask more).")
def discover_command(archive: Path, division: str | None, max_pages: int, delay: float) -> None:
    """Run the column finder (as `harvester find-columns`) on every imported portal, politely, one
    at a time; record per portal the columns found or why none was, and the agencies they list.

    Example: harvester registry discover --division 321300
    """
    store = _store(archive)
    try:
        portals = store.portals(division)
        if not portals:
            raise click.ClickException("no imported portal: run `harvester registry import-sites FILE`")
        found = discover(store, portals, PoliteFetcher(USER_AGENT, min_delay=delay), max_pages, _echo_discovery)
    finally:
        store.close()
    outcomes = Counter(d.outcome for d in found)
    click.echo(f"{len(found)} portals: " + ", ".join(f"{outcomes[o]} {o}" for o in ("found", "none", "failed")))


def _echo_discovery(found: Discovery) -> None:
    detail = f"{len(found.columns)} columns, {len(found.agencies)} agencies" if found.outcome == "found" else found.reason
    click.echo(f"{found.code}  {found.outcome:<6} {detail}")


@command.command(name="export")
@archive_option
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Registry file (YAML) to write.")
@click.option("--division", metavar="CODE", help="Only portals in this division.")
def export(archive: Path, out: Path, division: str | None) -> None:
    """Write the discovered portals' report columns as a site registry, ready to crawl.

    Example: harvester registry export --out sites.yaml && harvester crawl --registry sites.yaml
    """
    store = _store(archive)
    try:
        entries = site_entries(store.portals(division))
    finally:
        store.close()
    out.write_text("# Written by harvester registry export from registry.db (harvester/registry.py schema).\n"
                   + yaml.safe_dump({"sites": entries}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    load_registry(out)  # what is written is a valid registry
    click.echo(f"{len(entries)} sites written to {out}")
