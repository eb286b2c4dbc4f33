"""The load stage's input: archived documents with their provenance, read from archive.db.

Reads the fetch log's tables as documented in docs/ARCHITECTURE.md (read-only), so the
published database can always be rebuilt from the archive without the network.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harvester.archive.fetchlog import CONTENT_OUTCOMES, DOCUMENT_KINDS
from harvester.archive.store import BlobStore

ARCHIVE_DB = "archive.db"

# The earliest fetch that produced each (url, sha256) names the WARC record holding it;
# SQLite returns the bare columns of the row that holds min(fetched_at).
_DOCUMENTS_SQL = """
WITH first_fetch AS (
  SELECT sha256, coalesce(final_url, url) AS url, warc_file, warc_offset, content_type,
         min(fetched_at)
  FROM fetches WHERE sha256 IS NOT NULL GROUP BY sha256, coalesce(final_url, url)
)
SELECT d.url, d.sha256, d.site, d.kind, d.title, d.link_text, d.referer,
       d.first_seen, d.last_seen, b.size,
       coalesce(b.content_type, f.content_type) AS content_type,
       f.warc_file, f.warc_offset,
       -- An attachment's page was found under a link too (its text often names the agency).
       (SELECT r.link_text FROM documents r WHERE r.url = d.referer AND r.link_text IS NOT NULL
        ORDER BY r.first_seen LIMIT 1) AS referer_link_text
FROM documents d
LEFT JOIN blobs b ON b.sha256 = d.sha256
LEFT JOIN first_fetch f ON f.sha256 = d.sha256 AND f.url = d.url
WHERE d.kind IN ({kinds})
ORDER BY d.url, d.sha256
"""


# The current content of every archived page picture, by the URL asked for and the URL served.
_PICTURES_SQL = """
SELECT url, final_url, sha256, max(fetched_at) FROM fetches
WHERE kind = 'page_image' AND sha256 IS NOT NULL AND outcome IN ({outcomes})
GROUP BY final_url
"""


def _read_only(root: Path) -> sqlite3.Connection | None:
    """archive.db opened read-only, or None when the archive has none yet."""
    path = root / ARCHIVE_DB
    if not path.exists():
        return None
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def archived_pictures(root: Path) -> dict[str, str]:
    """URL -> sha256 of the latest archived version of every picture of a 图片版 report page."""
    conn = _read_only(root)
    if conn is None:
        return {}
    try:
        sql = _PICTURES_SQL.format(outcomes=", ".join("?" for _ in CONTENT_OUTCOMES))
        rows = conn.execute(sql, CONTENT_OUTCOMES).fetchall()
    finally:
        conn.close()
    found: dict[str, str] = {}
    for row in rows:
        found.setdefault(row["url"], row["sha256"])
        found[row["final_url"]] = row["sha256"]
    return found


def iter_archived_documents(root: Path) -> Iterator[dict[str, Any]]:
    """Every archived report page and attachment version, with provenance, in a stable order."""
    conn = _read_only(root)
    if conn is None:
        return
    try:
        sql = _DOCUMENTS_SQL.format(kinds=", ".join("?" for _ in DOCUMENT_KINDS))
        rows = conn.execute(sql, DOCUMENT_KINDS).fetchall()
    finally:
        conn.close()
    store = BlobStore(root)
    for row in rows:
        document = dict(row)
        document["archived_path"] = str(store.path(document["sha256"]).relative_to(root))
        yield document
