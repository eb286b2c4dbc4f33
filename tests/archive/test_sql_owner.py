"""The fetch log's package is the only code that speaks SQL to its tables (the operate tables too) or
opens a connection of its own to it, and the only one that names its file (archive.db is spelled
once, in the archive layout)."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OWNER = REPO / "harvester" / "archive" / "fetchlog"
LAYOUT = REPO / "harvester" / "config.py"
# The tables only archive.db has (harvester.db has a `documents` table of its own, and gets copies of
# the operate tables by harvester.operate.publish, without SQL).
TABLES = ("runs", "fetches", "blobs", "schedule_lock", "scheduled_runs", "source_health", "alerts")
FETCH_LOG_SQL = re.compile(rf"\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+(?:\w+\.)?({'|'.join(TABLES)})\b")
# A fetch-log table named to a helper that writes the SQL around it, e.g. insert(conn, "alerts", row).
TABLE_TO_SQL_HELPER = re.compile(rf"""\w+\(\s*\w+,\s*["']({'|'.join(TABLES)})["']""")
FILE_NAME = re.compile(r"""["']archive\.db["']""")
# A connection of one's own to the fetch log, e.g. sqlite3.connect(Layout(root).fetch_log).
OWN_CONNECTION = re.compile(r"(?:connect|Database)\([^\n]*\bfetch_log\b")


def code_files() -> list[Path]:
    found = [path for folder in ("harvester", "spiders", "benchmarks") for path in (REPO / folder).rglob("*.py")]
    assert len(found) > 50
    return found


def test_only_the_fetch_log_speaks_sql_to_its_tables() -> None:
    offenders = [f"{path.relative_to(REPO)}: {match.group(0)}" for path in code_files()
                 if OWNER not in path.parents
                 for pattern in (FETCH_LOG_SQL, TABLE_TO_SQL_HELPER, OWN_CONNECTION)
                 for match in pattern.finditer(path.read_text(encoding="utf-8"))]
    assert offenders == []
    owned = "\n".join(path.read_text(encoding="utf-8") for path in OWNER.glob("*.py"))
    assert set(FETCH_LOG_SQL.findall(owned)) == set(TABLES)  # the pattern finds the owner's SQL on each
    assert OWN_CONNECTION.search("sqlite3.connect(Layout(root).fetch_log)")


def test_the_fetch_log_file_is_named_once() -> None:
    named = [str(path.relative_to(REPO)) for path in code_files() if FILE_NAME.search(path.read_text(encoding="utf-8"))]
    assert named == [str(LAYOUT.relative_to(REPO))]
