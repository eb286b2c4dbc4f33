"""The load stage's input: archived documents with their provenance, from the fetch log.

Asks the fetch log (opened read-only) for what docs/ARCHITECTURE.md documents, so the
published database can always be rebuilt from the archive without the network.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harvester.archive.fetchlog import FetchLog
from harvester.archive.store import BlobStore, InvalidDigest
from harvester.config import Layout
from harvester.registry import Site, from_entries


def _read_only(root: Path) -> FetchLog | None:
    """The archive's fetch log opened read-only, or None when the archive has none yet."""
    path = Layout(root).fetch_log
    return FetchLog(path, read_only=True) if path.exists() else None


def recorded_sites(root: Path) -> list[Site]:
    """The registry entries the archive's runs crawled (the latest run's entry of each id wins)."""
    log = _read_only(root)
    if log is None:
        return []
    try:
        registries = log.run_registries()
    finally:
        log.close()
    sites = {site.id: site for n, registry in enumerate(registries, 1)
             for site in from_entries(registry, f"{Layout(root).fetch_log} run registry {n}")}
    return list(sites.values())


def archived_pictures(root: Path) -> dict[str, str]:
    """URL -> sha256 of the latest archived version of every picture of a 图片版 report page."""
    log = _read_only(root)
    if log is None:
        return {}
    try:
        rows = log.current_pictures()
    finally:
        log.close()
    found: dict[str, str] = {}
    for row in rows:
        found.setdefault(row["url"], row["sha256"])
        found[row["final_url"]] = row["sha256"]
    return found


def iter_archived_documents(root: Path) -> Iterator[dict[str, Any]]:
    """Every archived report page and attachment version, with provenance, in a stable order."""
    log = _read_only(root)
    if log is None:
        return
    try:
        rows = log.archived_documents()
    finally:
        log.close()
    store = BlobStore(root)
    for document in rows:
        try:
            document["archived_path"] = str(store.path(document["sha256"]).relative_to(root))
        except InvalidDigest:  # a damaged row: the load records it as a failure of the archive
            document["archived_path"] = None
        yield document
