"""Fold one archive root into another: how the archives of workers on other machines join the main one.

Files first, rows last. Every blob (its sha256 verified while copying, written by the target's
BlobStore) and every WARC file is installed atomically before one transaction imports the source's
runs, blobs, fetches and documents rows. A merge killed at any point leaves at most files that no row
points at yet; running it again skips what is there and imports the rows, so the result is that of one
clean merge. Rows already imported are recognised (a fetch by its run, URLs, time, method and outcome;
the others by primary key), so merging the same source twice changes nothing.

Merge an archive nobody is writing to any more (a finished worker's root, e.g. rsynced to the main
host): a WARC file or blob row that appears while the merge runs stops it with a MergeError before any
row is imported, and the next merge picks it up.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from harvester.archive import Archive
from harvester.archive.fetchlog import FetchLogError
from harvester.archive.fetchlog.merging import VersionMismatch, import_log
from harvester.archive.store import DigestMismatch, copy_verified, file_sha256, write_atomically
from harvester.config import Layout, NoArchive

PROBLEMS_SHOWN = 10


class MergeError(RuntimeError):
    """The source cannot be merged (not an archive, broken, or changed while merging); no row was imported."""


@dataclass
class MergeReport:
    """What one merge did."""

    source: Path
    blobs_copied: int = 0
    blobs_present: int = 0  # already in the target
    warc_copied: int = 0
    warc_present: int = 0  # same name and content already in the target
    warc_renamed: dict[str, str] = field(default_factory=dict)  # source name -> target name (name clash)
    rows_imported: dict[str, int] = field(default_factory=dict)  # new rows per table


def merge(source_root: str | os.PathLike, target_root: str | os.PathLike) -> MergeReport:
    """Fold the archive at source_root into the one at target_root (created if absent); idempotent."""
    report = copy_files(source_root, target_root)
    report.rows_imported = import_rows(source_root, target_root, report.warc_renamed)
    return report


def copy_files(source_root: str | os.PathLike, target_root: str | os.PathLike) -> MergeReport:
    """The file phase: copy the source's blobs and WARC files the target lacks (no row is written)."""
    source, target = _check_roots(source_root, target_root)
    report = MergeReport(source)
    problems: list[str] = []
    with _open(source) as origin, Archive(target) as destination:
        for sha256 in sorted(origin.log.blob_digests()):
            try:
                copied = destination.store.put_file(origin.blob_path(sha256), sha256)
            except FileNotFoundError:
                problems.append(f"blob {sha256} is in the source's log but not on its disk")
                continue
            except DigestMismatch as error:
                problems.append(f"blob {sha256} is corrupt in the source: {error}")
                continue
            report.blobs_copied += copied
            report.blobs_present += not copied
        for path in sorted(origin.warc_dir.glob("[!.]*.warc.gz")):
            try:
                name, copied = _copy_warc(path, destination.warc_dir)
            except (DigestMismatch, MergeError) as error:
                problems.append(f"WARC {path.name}: {error}")
                continue
            report.warc_copied += copied
            report.warc_present += not copied
            if name != path.name:
                report.warc_renamed[path.name] = name
    if problems:
        raise MergeError(_describe(source, problems))
    return report


def import_rows(source_root: str | os.PathLike, target_root: str | os.PathLike,
                warc_renamed: dict[str, str]) -> dict[str, int]:
    """The row phase, one transaction: import runs, blobs, fetches and documents; new rows per table.

    Run after copy_files (whose warc_renamed it takes): refuses, importing nothing, when a row would
    point at a blob or WARC file missing from the target.
    """
    source, target = _check_roots(source_root, target_root)
    with Archive(target) as destination:
        def refuse(blobs: list[str], warc_files: list[str]) -> None:
            missing = [f"blob {sha256}" for sha256 in blobs if not destination.store.has(sha256)]
            missing += [f"WARC file {name}" for name in warc_files if not (destination.warc_dir / name).is_file()]
            if missing:
                raise MergeError(_describe(source, [f"{item} is not in the target (changed while merging? merge again)"
                                                    for item in missing]))

        try:
            return import_log(destination.log, Layout(source).fetch_log, warc_renamed, refuse)
        except VersionMismatch as error:
            raise MergeError(f"{source}: {error}") from error
        except sqlite3.DatabaseError as error:
            raise MergeError(f"{source}: importing rows failed: {error}") from error


def _copy_warc(path: Path, warc_dir: Path) -> tuple[str, bool]:
    """Install a source WARC file in warc_dir; returns (its name there, whether it was copied).

    Never overwrites: a different file of the same name keeps it, and this one goes under a name
    suffixed with its own digest, so a second merge finds it again.
    """
    digest = file_sha256(path)
    stem = path.name.removesuffix(".warc.gz")
    for name in (path.name, f"{stem}.merged-{digest[:16]}.warc.gz"):
        existing = warc_dir / name
        if existing.exists() and existing.stat().st_size == path.stat().st_size and file_sha256(existing) == digest:
            return name, False
        if not existing.exists() and write_atomically(existing, lambda out: copy_verified(path, out, digest), replace=False):
            return name, True
    raise MergeError(f"both {path.name} and its suffixed name hold other content in the target")


def _check_roots(source_root: str | os.PathLike, target_root: str | os.PathLike) -> tuple[Path, Path]:
    """Resolved (source, target); MergeError unless the source is an archive other than the target."""
    source, target = Path(source_root).resolve(), Path(target_root).resolve()
    if source == target:
        raise MergeError(f"{source}: cannot merge an archive into itself")
    try:
        Layout(source).existing()
    except NoArchive as error:
        raise MergeError(str(error)) from error
    return source, target


def _open(source: Path) -> Archive:
    """The source archive, its fetch-log problems as MergeError."""
    try:
        return Archive(source)
    except FetchLogError as error:
        raise MergeError(str(error)) from error


def _describe(source: Path, problems: list[str]) -> str:
    """One message for a list of problems (the first few spelled out)."""
    shown = "; ".join(problems[:PROBLEMS_SHOWN])
    more = f" (and {len(problems) - PROBLEMS_SHOWN} more)" if len(problems) > PROBLEMS_SHOWN else ""
    return f"{source}: {len(problems)} problems, nothing imported: {shown}{more}"
