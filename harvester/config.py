"""Where the data lives: one archive root, named by HARVESTER_ARCHIVE (default: ./archive/data)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
"""The checkout; bundled Datasette metadata and the demo portal are found from here."""


def archive_root(explicit: str | os.PathLike | None = None) -> Path:
    """The archive root: the explicit path, else $HARVESTER_ARCHIVE, else <repo>/archive/data."""
    if explicit:
        return Path(explicit).resolve()
    env = os.environ.get("HARVESTER_ARCHIVE")
    if env:
        return Path(env).resolve()
    return REPO_ROOT / "archive" / "data"
