"""Options shared by several subcommands, so a flag is spelled the same everywhere."""

from __future__ import annotations

from collections.abc import Callable
import sys
from pathlib import Path

import click

from harvester.config import DEFAULT_ROOT, Layout, NoArchive, archive_root
from harvester.crawl.links import is_http_url

ARCHIVE_HELP = f"Archive root (default: $HARVESTER_ARCHIVE, else ./{DEFAULT_ROOT.as_posix()})."


def _resolve_archive(ctx: click.Context, param: click.Parameter, value: str | None) -> Path:
    return archive_root(value)


def _existing_archive(ctx: click.Context, param: click.Parameter, value: str | None) -> Path:
    try:
        return Layout.of(value).existing().root
    except NoArchive as error:
        raise click.BadParameter(str(error), ctx, param) from error


archive_option: Callable = click.option(
    "--archive", "archive", metavar="DIR", callback=_resolve_archive, help=ARCHIVE_HELP)
existing_archive_option: Callable = click.option(
    "--archive", "archive", metavar="DIR", callback=_existing_archive,
    help=f"{ARCHIVE_HELP} It must hold an archive: this command only reads it.")


def registry_option(default: str = "harvester/registry.yaml") -> Callable:
    """--registry FILE (as `registry_path`), saying what is read without it."""
    return click.option("--registry", "registry_path", metavar="FILE", help=f"Site registry (default: {default}).")


class HttpUrl(click.ParamType):
    """An absolute http(s) URL (a start page, a portal): anything else is a usage error."""

    name = "url"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> str:
        if not is_http_url(str(value)):
            self.fail(f"not an absolute http(s) URL: {value!r}", param, ctx)
        return str(value)


HTTP_URL = HttpUrl()

portal_option: Callable = click.option(
    "--portal", metavar="URL", type=HTTP_URL, help="Base URL filling {portal} in a replica registry (harvester/registry_demo.yaml).")


def echo_progress(stage: str, done: int, total: int) -> None:
    """Progress on one stderr line per stage ('parse: 12/40'); only the last count when piped."""
    if sys.stderr.isatty():
        click.echo(f"\r{stage}: {done}/{total}", nl=done == total, err=True)
    elif done == total:
        click.echo(f"{stage}: {done}/{total}", err=True)
