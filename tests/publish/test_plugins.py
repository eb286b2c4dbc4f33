"""The plugins `register_plugins` loads are the ones pyproject.toml declares as entry points."""

from __future__ import annotations

import tomllib
from pathlib import Path

from harvester.db.plugins import PLUGINS

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_the_registered_plugins_are_the_declared_entry_points() -> None:
    declared = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["entry-points"]["datasette"]
    assert declared and declared == PLUGINS
