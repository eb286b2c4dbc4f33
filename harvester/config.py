"""Where the data lives: one archive root (--archive, else $HARVESTER_ARCHIVE, else ./archive/data)
and the one layout of the paths under it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_ROOT = Path("archive", "data")
"""The default archive root, relative to the working folder (in a checkout: its archive/data)."""


def archive_root(explicit: str | os.PathLike | None = None) -> Path:
    """The archive root: the explicit path, else $HARVESTER_ARCHIVE, else ./archive/data."""
    return Path(explicit or os.environ.get("HARVESTER_ARCHIVE") or DEFAULT_ROOT).resolve()


class NoArchive(Exception):
    """A command that only reads the archive was pointed at a folder holding none."""


@dataclass(frozen=True)
class Layout:
    """Every path under one archive root; the only place their names are spelled."""

    root: Path

    @classmethod
    def of(cls, explicit: str | os.PathLike | None = None) -> Layout:
        """The layout of the archive root `archive_root(explicit)` names."""
        return cls(archive_root(explicit))

    def existing(self) -> Layout:
        """This layout, if an archive is there (its fetch log); else NoArchive, creating nothing."""
        if not self.fetch_log.is_file():
            raise NoArchive(f"no archive at {self.root} (no {self.fetch_log.name}): check --archive or "
                            f"$HARVESTER_ARCHIVE, or crawl first (harvester crawl, or harvester demo)")
        return self

    @property
    def blobs(self) -> Path:
        """Every fetched body, once, by content hash (harvester.archive.store)."""
        return self.root / "blobs"

    @property
    def warc(self) -> Path:
        """Request/response WARC files (harvester.archive.warc)."""
        return self.root / "warc"

    @property
    def fetch_log(self) -> Path:
        """The fetch log and the operate tables (harvester.archive.fetchlog)."""
        return self.root / "archive.db"

    @property
    def published(self) -> Path:
        """The published database, rebuilt by `harvester load` (harvester.db)."""
        return self.root / "harvester.db"

    @property
    def registry(self) -> Path:
        """Imported government websites, their discovered columns and agencies (harvester.websites)."""
        return self.root / "registry.db"

    @property
    def parse_cache(self) -> Path:
        """Parse results by file hash and parser version (harvester.db.parsecache)."""
        return self.root / "parse_cache.db"

    @property
    def ocr_cache(self) -> Path:
        """OCR page readings by page-image hash (harvester.parse.ocr.cache)."""
        return self.root / "ocr-cache"

    @property
    def politeness(self) -> Path:
        """Per-host request turns shared by the crawls of one machine (harvester.crawl.politeness)."""
        return self.root / "politeness"

    @property
    def logs(self) -> Path:
        """Logs of crawl worker processes (harvester.operate.workers)."""
        return self.root / "logs"

    @property
    def schedule_log(self) -> Path:
        """What the cron line of `harvester schedule install` appends to."""
        return self.root / "schedule.log"
