"""`harvester find-columns --portal URL`: print registry entries for the report columns of a portal."""

from __future__ import annotations

import re
import sys
from datetime import date
from urllib.parse import urlsplit

import click
import yaml

from harvester.commands.options import HTTP_URL
from harvester.crawl.columns import Finding, PoliteFetcher, find_columns
from harvester.crawl.settings import USER_AGENT
from harvester.registry import found_evidence


@click.command("find-columns")
@click.option("--portal", required=True, metavar="URL", type=HTTP_URL, help="The portal's home page.")
@click.option("--max-pages", default=60, show_default=True, type=click.IntRange(min=1), help="Pages to read at most.")
@click.option("--loopback", is_flag=True, help="No politeness delay beyond robots.txt's (local replica only).")
def command(portal: str, max_pages: int, loopback: bool) -> None:
    """Start at a portal's home page, follow 政务公开 / 政府信息公开 / 法定主动公开内容 links to the
    annual-report column(s) and their sub-columns, and print a registry entry (YAML) ready to add.

    Exit status 0 when a column was found, 1 when none was.

    \b
    Example: harvester find-columns --portal https://kjj.shenyang.gov.cn/
    """
    fetcher = PoliteFetcher(USER_AGENT, min_delay=0.0 if loopback else 1.0)
    finding = find_columns(portal, fetcher, max_pages=max_pages)
    if not finding.columns:
        click.echo(f"no report column found from {portal}", err=True)
        sys.exit(1)
    click.echo(yaml.safe_dump({"sites": [registry_entry(portal, finding)]}, allow_unicode=True, sort_keys=False))


def registry_entry(portal: str, finding: Finding) -> dict:
    """One registry entry (harvester/registry.py schema); agency, region and level to be checked by hand."""
    evidence = found_evidence(date.today())
    columns = [{"url": column.url, "evidence": evidence,
                "source": f"find-columns: {column.name!r} on {column.found_on}"
                          + (f" (sub-column of {column.parent})" if column.parent else "")}
               for column in finding.columns]
    return {"id": re.sub(r"[^a-z0-9]+", "-", urlsplit(portal).netloc.lower()).strip("-"),
            "agency": finding.title, "region": {"province": None, "city": None, "county": None},
            "level": "department-of-city", "portal": portal, "columns": columns, "render": "http", "cms": "unknown",
            "notes": "found by harvester find-columns; check agency, region and level"}
