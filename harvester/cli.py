"""The `harvester` command: a thin click group; each subcommand lives in harvester/commands/."""

from __future__ import annotations

import importlib

import click

from harvester.errors import OperatorError

# Subcommand name -> module in harvester.commands exposing `command` (a click.Command).
# Imported lazily so `harvester parse` does not pay for Scrapy or Datasette.
COMMANDS = {
    "parse": "parse",
    "crawl": "crawl",
    "demo": "demo",
    "load": "load",
    "parse-workers": "parse_workers",
    "serve": "serve",
    "export": "export",
    "schedule": "schedule",
    "health": "health",
    "workers": "workers",
    "verify": "verify",
    "merge": "merge",
    "find-columns": "find_columns",
    "registry": "registry",
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when it is run or listed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if self._load(name) is not None)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._load(name) if name in COMMANDS else None

    def invoke(self, ctx: click.Context) -> object:
        """Run the subcommand; an OperatorError is a message (exit 1), not a traceback."""
        try:
            return super().invoke(ctx)
        except OperatorError as error:
            raise click.ClickException(str(error)) from error

    @staticmethod
    def _load(name: str) -> click.Command | None:
        try:
            module = importlib.import_module(f"harvester.commands.{COMMANDS[name]}")
        except ModuleNotFoundError as error:
            if error.name == f"harvester.commands.{COMMANDS[name]}":
                return None  # not built yet
            raise
        return module.command


@click.group(cls=LazyGroup)
@click.version_option(package_name="harvester")
def main() -> None:
    """Crawl, archive, parse and publish 政府信息公开工作年度报告 (annual reports)."""
