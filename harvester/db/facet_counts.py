"""The default facets' counts of every table, kept in `facet_counts` as rows are written.

Counting a facet means reading the whole table: at 1M facts the seven default facets of
`facts` took 1.75 s a page. So each default facet of datasette_metadata.yaml is counted
once, into `facet_counts(table_name, facet, column_name, value, count)`, and kept exact
by triggers on its table: every insert, delete and update adjusts the counts in the
writer's own transaction (a report's counts change atomically with the report). A table
whose triggers are missing or differ from what the metadata asks (a table dropped and
written again, a facet added) is recounted from scratch by `track`, so stored triggers
in their current form mean exact counts (`in_sync`).

The counts are those Datasette itself shows: a column facet counts the rows per non-null
value; an array facet counts, per element of a JSON array, the rows that contain it.
"""

from __future__ import annotations

import sqlite3
from functools import cache

from harvester.db.datasette import default_facets

TABLE = "facet_counts"
KINDS = ("column", "array")
SCHEMA = (f"CREATE TABLE IF NOT EXISTS [{TABLE}] (table_name TEXT NOT NULL, facet TEXT NOT NULL,"
          " column_name TEXT NOT NULL, value NOT NULL, count INTEGER NOT NULL,"
          " PRIMARY KEY (table_name, facet, column_name, value)) WITHOUT ROWID")
# A facet's largest counts first, read straight from the index (a facet of agencies may
# have a hundred thousand values).
TOP_INDEX = (f"CREATE INDEX IF NOT EXISTS [{TABLE}_top] ON [{TABLE}]"
             " (table_name, facet, column_name, count DESC, value)")
EVENTS = ("insert", "delete", "update")


@cache
def facets() -> dict[str, list[tuple[str, str]]]:
    """Table -> its default facets as (kind, column), from datasette_metadata.yaml."""
    return default_facets()


def track(conn: sqlite3.Connection, table: str) -> None:
    """Make `table`'s counts exact and kept so: when its triggers are not the current ones,
    recount it and (re)create them (in the caller's transaction)."""
    if in_sync(conn, table):
        return
    conn.execute(SCHEMA)
    conn.execute(TOP_INDEX)
    for event in EVENTS:
        conn.execute(f"DROP TRIGGER IF EXISTS [{trigger_name(table, event)}]")
    conn.execute(f"DELETE FROM [{TABLE}] WHERE table_name = ?", [table])
    for kind, column in facets()[table]:
        conn.execute(_recount_sql(table, kind, column))
    for event in EVENTS:
        conn.execute(trigger_sql(table, event))


def untrack(conn: sqlite3.Connection) -> None:
    """Drop the counts and their triggers (before a bulk write that `track` recounts after)."""
    for table in facets():
        for event in EVENTS:
            conn.execute(f"DROP TRIGGER IF EXISTS [{trigger_name(table, event)}]")
    conn.execute(f"DROP TABLE IF EXISTS [{TABLE}]")


def in_sync(conn: sqlite3.Connection, table: str) -> bool:
    """True when `table`'s counts are kept by the triggers the metadata asks for today."""
    if table not in facets():
        return False
    stored = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                               " AND tbl_name = ?", [table]).fetchall())
    return all(stored.get(trigger_name(table, e)) == trigger_sql(table, e) for e in EVENTS)


def top(conn: sqlite3.Connection, table: str, kind: str, column: str,
        limit: int) -> list[tuple[object, int]]:
    """(value, count) of a facet, largest count first then value, as Datasette orders them."""
    return conn.execute(
        f"SELECT value, count FROM [{TABLE}] WHERE table_name = ? AND facet = ?"
        " AND column_name = ? AND count > 0 ORDER BY count DESC, value LIMIT ?",
        [table, kind, column, limit]).fetchall()


def trigger_name(table: str, event: str) -> str:
    return f"{TABLE}_{table}_{event}"


def trigger_sql(table: str, event: str) -> str:
    """The trigger that adjusts `table`'s counts on `event` (as sqlite_master stores it)."""
    configs = facets()[table]
    if event == "insert":
        body = [_add(table, kind, column, "NEW") for kind, column in configs]
        head = f"AFTER INSERT ON [{table}]"
    elif event == "delete":
        body = [_subtract(table, kind, column, "OLD") for kind, column in configs]
        head = f"AFTER DELETE ON [{table}]"
    else:
        body = [statement for kind, column in configs for statement in (
            _subtract(table, kind, column, "OLD", _changed(column)),
            _add(table, kind, column, "NEW", _changed(column)))]
        columns = ", ".join(f"[{column}]" for _, column in configs)
        head = f"AFTER UPDATE OF {columns} ON [{table}]"
    statements = "".join(f"\n  {s};" for s in body)
    return f"CREATE TRIGGER [{trigger_name(table, event)}] {head} BEGIN{statements}\nEND"


def _changed(column: str) -> str:
    return f"OLD.[{column}] IS NOT NEW.[{column}]"


def _array(expression: str) -> str:
    """The elements of a JSON array held in `expression` (none for anything else), once each."""
    array = (f"CASE WHEN json_valid({expression}) AND json_type({expression}) = 'array'"
             f" THEN {expression} END")
    return f"SELECT DISTINCT value FROM json_each({array}) WHERE value IS NOT NULL"


def _add(table: str, kind: str, column: str, row: str, when: str = "true") -> str:
    source = (f"SELECT {row}.[{column}] AS value WHERE {row}.[{column}] IS NOT NULL"
              if kind == "column" else _array(f"{row}.[{column}]"))
    return (f"INSERT INTO [{TABLE}] SELECT '{table}', '{kind}', '{column}', value, 1"
            f" FROM ({source}) WHERE {when} ON CONFLICT DO UPDATE SET count = count + 1")


def _subtract(table: str, kind: str, column: str, row: str, when: str = "true") -> str:
    values = f"({row}.[{column}])" if kind == "column" else f"({_array(f'{row}.[{column}]')})"
    return (f"UPDATE [{TABLE}] SET count = count - 1 WHERE {when} AND table_name = '{table}'"
            f" AND facet = '{kind}' AND column_name = '{column}' AND value IN {values}")


def _recount_sql(table: str, kind: str, column: str) -> str:
    if kind == "column":
        source = f"SELECT [{column}] AS value FROM [{table}] WHERE [{column}] IS NOT NULL"
    else:
        source = (f"SELECT DISTINCT t.rowid, j.value FROM [{table}] t,"
                  f" json_each(CASE WHEN json_valid(t.[{column}]) AND json_type(t.[{column}])"
                  f" = 'array' THEN t.[{column}] END) j WHERE j.value IS NOT NULL")
    return (f"INSERT INTO [{TABLE}] SELECT '{table}', '{kind}', '{column}', value, count(*)"
            f" FROM ({source}) GROUP BY value")
