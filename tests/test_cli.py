"""Every subcommand loads, explains itself with an example, and is named in the README."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from harvester.cli import COMMANDS, main

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_with_an_example_and_is_in_the_readme(name: str) -> None:
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, name
    assert f"harvester {name}" in (REPO_ROOT / "README.md").read_text(encoding="utf-8"), name
