"""`harvester parse FILE... [--json]`: read annual reports in any carrier into canonical facts."""

from __future__ import annotations

import json
import sys

import click

from harvester.parse import parse_file


@click.command("parse")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file, a line each.")
def command(files: tuple[str, ...], as_json: bool) -> None:
    """Parse report files (text, HTML, DOCX, DOC, PDF, scans) into the canonical facts.

    The format is recognised from the content, not the file name. Exit status is 1 when
    a file could not be read at all; a partly readable report still prints what was read.

    Example: harvester parse report.pdf page.html --json > facts.jsonl
    """
    unreadable = 0
    for path in files:
        result = parse_file(path)
        unreadable += result.kind == "unreadable"
        if as_json:
            click.echo(json.dumps(result.to_json(), ensure_ascii=False))
        else:
            _summary(result)
    sys.exit(1 if unreadable else 0)


def _summary(result) -> None:
    failed = [c.name for c in result.checks if c.passed is False]
    click.echo(f"{result.path}: {result.kind}, {result.carrier}/{result.method}, "
               f"template {result.template}, {result.agency or '?'} {result.year or '?'}, "
               f"{len(result.facts)} facts, {len(result.checks)} checks"
               + (f" ({len(failed)} failed: {', '.join(failed)})" if failed else ""))
    for error in result.errors:
        click.echo(f"  error: {error}")
