"""One archive root and one layout: the default agrees in code, --help, README and ARCHITECTURE.md;
commands that only read an archive refuse a folder holding none, and create nothing there."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from harvester import config
from harvester.cli import COMMANDS, main
from harvester.config import DEFAULT_ROOT, Layout, archive_root

REPO = Path(__file__).resolve().parents[1]
DEFAULT = f"./{DEFAULT_ROOT.as_posix()}"
LAYOUT_PATHS = [name for name, value in vars(Layout).items() if isinstance(value, property)]


def _help(*command: str) -> str:
    result = CliRunner().invoke(main, [*command, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def _commands_with_archive() -> list[tuple[str, ...]]:
    found = []
    for name in sorted(COMMANDS):
        command = main.get_command(None, name)
        for sub in getattr(command, "commands", {None: command}):
            path = (name,) if sub is None else (name, sub)
            if "--archive DIR" in _help(*path):
                found.append(path)
    return found


def test_the_default_root_is_the_working_folders_archive_data(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("HARVESTER_ARCHIVE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert archive_root() == tmp_path / "archive" / "data"
    assert Layout.of().root == tmp_path / "archive" / "data"


def test_every_help_names_the_same_default_root() -> None:
    commands = _commands_with_archive()
    assert len(commands) >= 10, commands
    for command in commands:
        if command != ("demo",):  # the demo's own root lies inside the default one
            assert DEFAULT in _help(*command), command


@pytest.mark.parametrize("document", ["README.md", "docs/ARCHITECTURE.md"])
def test_the_documents_name_the_same_default_root_as_the_code(document: str) -> None:
    text = (REPO / document).read_text(encoding="utf-8")
    assert f"else `{DEFAULT}`" in text
    assert DEFAULT in config.__doc__


def test_architecture_names_every_path_of_the_layout() -> None:
    text = (REPO / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    names = [getattr(Layout(Path("root")), name).name for name in LAYOUT_PATHS]
    assert len(names) >= 7
    for name in names:
        assert f"`{name}" in text, name


READ_ONLY = [("health",), ("schedule", "status"), ("verify",), ("load",)]


@pytest.mark.parametrize("command", READ_ONLY, ids=" ".join)
def test_a_read_only_command_refuses_a_missing_archive_and_creates_nothing(command, tmp_path) -> None:
    missing = tmp_path / "mistyped"
    result = CliRunner().invoke(main, [*command, "--archive", str(missing)])
    assert result.exit_code != 0
    assert f"no archive at {missing}" in " ".join(result.output.split())
    assert not missing.exists()


def test_merge_of_a_missing_source_fails_and_creates_nothing(tmp_path) -> None:
    missing, target = tmp_path / "mistyped", tmp_path / "target"
    result = CliRunner().invoke(main, ["merge", str(missing), "--archive", str(target)])
    assert result.exit_code != 0
    assert f"no archive at {missing}" in " ".join(result.output.split())
    assert not missing.exists() and not target.exists()
