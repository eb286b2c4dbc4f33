"""harvester/db owns the published database's SQL: the operating layer (scheduler, coverage, health)
asks it questions through harvester/db and never writes SQL on the tables `harvester load` builds."""

from __future__ import annotations

import re
from pathlib import Path

from harvester.db import build

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
