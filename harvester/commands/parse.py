"""`harvester parse FILE... [--json]`: read annual reports in any carrier into canonical facts."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from harvester.commands.options import echo_progress
from harvester.parse import parse_file
from harvester.parse.model import ParseResult

if TYPE_CHECKING:
    from harvester.progress import Progress


@click.command("parse")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file, a line each.")
@click.option("--picture", "pictures", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="A picture the one HTML page FILE shows (a 图片版 report), in page order; "
                   "repeat for every page.")
def command(files: tuple[str, ...], as_json: bool, pictures: tuple[str, ...]) -> None:
    """Parse report files (text, HTML, DOCX, DOC, PDF, scans) into the canonical facts.

    The format is recognised from the content, not the file name. Exit status is 1 when
    a file could not be read at all; a partly readable report still prints what was read.

    Example: harvester parse report.pdf page.html --json > facts.jsonl

    Example (a page printed as pictures): harvester parse page.html --picture p1.jpg --picture p2.jpg
    """
    if pictures and len(files) != 1:
        raise click.UsageError("--picture belongs to one HTML page: give exactly one FILE")
    unreadable = 0
    for path in files:
        progress = functools.partial(_echo_file_progress, path)
        result = _parse_pictures(path, pictures, progress) if pictures else parse_file(path, progress)
        unreadable += result.kind == "unreadable"
        if as_json:
            click.echo(json.dumps(result.to_json(), ensure_ascii=False))
        else:
            _summary(result)
    sys.exit(1 if unreadable else 0)


def _echo_file_progress(path: str, stage: str, done: int, total: int) -> None:
    """OCR progress of one file, named by its path ('report.pdf: OCR pages: 2/5')."""
    echo_progress(f"{path}: {stage}", done, total)


def _parse_pictures(page: str, pictures: tuple[str, ...], progress: Progress) -> ParseResult:
    """The page read together with its pictures, in the order given."""
    from harvester.parse.image_pages import parse_image_page

    return parse_image_page(Path(page).read_bytes(),
                            [(picture, Path(picture).read_bytes()) for picture in pictures], page,
                            progress)


def _summary(result: ParseResult) -> None:
    failed = [c.name for c in result.checks if c.passed is False]
    click.echo(f"{result.path}: {result.kind}, {result.carrier}/{result.method}, "
               f"template {result.template}, {result.agency or '?'} {result.year or '?'}, "
               f"{len(result.facts)} facts, {len(result.checks)} checks"
               + (f" ({len(failed)} failed: {', '.join(failed)})" if failed else ""))
    for error in result.errors:
        click.echo(f"  error: {error}")
