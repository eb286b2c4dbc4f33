"""harvester/db owns the published database's SQL: the operating layer (scheduler, coverage, health)
asks it questions through harvester/db and never writes SQL on the tables `harvester load` builds."""

from __future__ import annotations

import re
from pathlib import Path

from harvester.config import Layout
from harvester.db import build, lookups

REPO = Path(__file__).resolve().parents[2]
OPERATING = REPO / "harvester" / "operate"
LOADED_SQL = re.compile(rf"\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+(?:\w+\.)?\[?({'|'.join(build.TABLES)})\b")


def test_the_operating_layer_speaks_no_sql_to_the_published_tables() -> None:
    modules = list(OPERATING.glob("*.py"))
    assert len(modules) > 5
    offenders = [f"{path.relative_to(REPO)}: {match.group(0)}" for path in modules
                 for match in LOADED_SQL.finditer(path.read_text(encoding="utf-8"))]
    assert offenders == []
    assert LOADED_SQL.search("SELECT url FROM documents WHERE parse_status = 'error'")


def test_unread_documents_are_those_the_parser_could_not_read(tmp_path):
    db = build.open_db(tmp_path)
    statuses = ["report", "not_report", "unreadable", "error", "no_year"]
    db["documents"].insert_all({"id": f"d{i}", "url": f"http://example.test/{status}", "sha256": f"{i:064x}",
                                "parse_status": status} for i, status in enumerate(statuses))
    db.close()
    published = Layout(tmp_path).published
    before = published.read_bytes()
    unread = lookups.unread_documents(published)
    assert unread == {(f"http://example.test/{status}", f"{statuses.index(status):064x}")
                      for status in ("unreadable", "error", "no_year")}
    assert published.read_bytes() == before
