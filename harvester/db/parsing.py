"""Where the load's parses run: child processes on this machine, or jobs on a cluster.

`harvester load` asks a Parsing for the files the parse cache lacks and caches what it yields,
so the load itself is the same whichever runs the parses. Both kinds parse each file under the
per-document isolation of harvester.db.isolation.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from harvester.db.isolation import parse_archived
from harvester.db.pictures import PicturePage, parse_picture_page
from harvester.parse.model import ParseResult

DEFAULT_WORKERS = os.cpu_count() or 1


class Parsing(Protocol):
    """Parses archived files by digest, yielding each result as it is ready (in any order)."""

    def blobs(self, root: Path, shas: Sequence[str]) -> Iterator[ParseResult]:
        """The parse of each blob (a failure is a result of kind "error")."""

    def pages(self, root: Path, pages: Sequence[PicturePage]) -> Iterator[tuple[PicturePage, ParseResult]]:
        """The parse of each 图片版 page with its pictures."""


@dataclass
class LocalParsing:
    """Parses in `workers` child processes on this machine (pictures pages one at a time)."""

    workers: int = DEFAULT_WORKERS

    def blobs(self, root: Path, shas: Sequence[str]) -> Iterator[ParseResult]:
        return parse_archived(root, shas, self.workers)

    def pages(self, root: Path, pages: Sequence[PicturePage]) -> Iterator[tuple[PicturePage, ParseResult]]:
        return ((page, parse_picture_page(root, page)) for page in pages)
