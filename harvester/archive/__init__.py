"""The archive: every fetched byte with its provenance, under one root.

``Archive(root)`` ties together the blob store (``blobs/``), the fetch log (``archive.db``)
and the WARC files (``warc/``). The parse/load stage reads it with ``iter_documents()``
and ``read_blob()``; ``harvester verify`` calls ``verify()``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harvester.archive.fetchlog import DOCUMENT_KINDS, Document, Fetch, FetchLog, Validators
from harvester.archive.store import TEMP_PREFIX, BlobStore
from harvester.archive.warc import DEFAULT_MAX_BYTES, WarcLocation, WarcWriter, WarcWriters, check_record
from harvester.config import Layout, archive_root

__all__ = ["Archive", "Document", "VerifyReport"]


@dataclass
class VerifyReport:
    """What verify() found: problems break the archive's promises; the rest is information."""

    problems: list[str] = field(default_factory=list)
    blobs_checked: int = 0
    orphan_blobs: list[str] = field(default_factory=list)  # on disk, no row: a crash before commit
    temp_files: int = 0  # leftovers of interrupted writes, ignored by readers

    @property
    def ok(self) -> bool:
        """Whether no problem was found."""
        return not self.problems


class Archive:
    """Blob store + fetch log + WARC files under one root (default: config.archive_root())."""

    def __init__(self, root: str | os.PathLike | None = None, *, warc_max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = archive_root(root)
        layout = Layout(self.root)
        self.store = BlobStore(self.root)
        self.log = FetchLog(layout.fetch_log)
        self.warc_dir = layout.warc
        self.warc_max_bytes = warc_max_bytes

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the fetch log connection."""
        self.log.close()

    def warc_writers(self, run_id: str) -> WarcWriters:
        """Writers for a run's WARC files (one per site)."""
        return WarcWriters(self.warc_dir, run_id, self.warc_max_bytes)

    def record_exchange(self, fetch: Fetch, writer: WarcWriter, **exchange: Any) -> tuple[int, str]:
        """Log a fetch whose body is already in the blob store, with its WARC record; (id, outcome).

        The outcome is decided once, inside the fetch log's write transaction, and the record
        follows it: a revisit of the URL's previous content when unchanged, else the full
        response (`exchange`: the keyword arguments of WarcWriter.write but revisit_of).
        """
        def write_record(outcome: str, previous: Validators | None) -> WarcLocation:
            unchanged = outcome == "unchanged" and previous is not None
            revisit = (fetch.sha256, fetch.final_url, previous.fetched_at) if unchanged else None
            return writer.write(**exchange, revisit_of=revisit)

        return self.log.record(fetch, evidence=write_record)

    def iter_documents(self, kinds: Iterable[str] = DOCUMENT_KINDS) -> Iterator[Document]:
        """Every stored version of report pages and attachments:
        (url, sha256, site, kind, title, link_text, referer, first_seen, last_seen)."""
        return self.log.documents(kinds)

    def read_blob(self, sha256: str) -> bytes:
        """The archived bytes with this sha256 (BlobMissing if absent, InvalidDigest if malformed)."""
        return self.store.read(sha256)

    def blob_path(self, sha256: str) -> Path:
        """The file of an archived blob, for tools that want a path (read-only use)."""
        return self.store.path(sha256)

    def verify(self) -> VerifyReport:
        """Re-hash every blob, check the fetch log, and read back every WARC record it points at."""
        report = VerifyReport(problems=self.log.problems())
        on_disk = set()
        for sha256 in self.store:
            report.blobs_checked += 1
            on_disk.add(sha256)
            actual = self.store.rehash(sha256)
            if actual != sha256:
                report.problems.append(f"blob {sha256} is corrupt (hashes to {actual})")
        in_log = self.log.blob_digests()
        report.problems += [f"blob {sha} is in the log but missing on disk" for sha in sorted(in_log - on_disk)]
        report.orphan_blobs = sorted(on_disk - in_log)
        for warc_file, offset, sha256 in self.log.warc_records():
            problem = check_record(self.warc_dir / warc_file, offset, sha256)
            if problem:
                report.problems.append(f"WARC {problem}")
        report.temp_files = sum(1 for _ in self.store.base.glob(f"??/??/{TEMP_PREFIX}*")) if self.store.base.is_dir() else 0
        return report
