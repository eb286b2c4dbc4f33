"""The wide tables table2_wide, table3_wide, table4_wide: one row per report, one column per key.

Real, indexed tables, not views: pivoting a million facts on every page view runs past
Datasette's time limit. A report's wide rows are written by `write_report` inside the
report's own transaction (and deleted with it), with the same pivot SQL that fills the
tables when they are first created (a database built when they were views).
"""

from __future__ import annotations

import sqlite_utils

from harvester.db.money import MONEY_UNITS
from harvester.schema import KEYS

WIDE_TABLES = ("table2", "table3", "table4")
REPORT_COLUMNS = ("agency_id", "agency", "province", "city", "county", "level", "year", "template")
NAMES = tuple(f"{table}_wide" for table in WIDE_TABLES)
# Facets and canned-query filters/orders of the wide tables (county: never faceted).
INDEXES = (("agency_id", "year"), ("agency", "year"), ("province",), ("city",), ("level",),
           ("year",), ("template",))


# The table whose HTML page shows each row's totals column only (its applicant columns
# one click away, harvester.db.wide_columns): 7 columns of 26 rows are 191 columns.
TOTALS_ONLY = "table3_wide"


def default_columns(name: str) -> list[str] | None:
    """The columns the HTML page of wide table `name` shows unless asked for others (None: all)."""
    if name != TOTALS_ONLY:
        return None
    return ["report_id", *REPORT_COLUMNS,
            *(key for key in keys_of(name.removesuffix("_wide")) if key.endswith(".total"))]


def keys_of(table: str) -> list[str]:
    """The codebook keys of a report table, in codebook order."""
    return [key for key, spec in KEYS.items() if spec.table == table]


def create(db: sqlite_utils.Database) -> None:
    """Create the wide tables (replacing the views of older databases) with their indexes;
    a table created now is filled from the stored facts."""
    value_type = _declared_type(db, "facts", "value")
    for table in WIDE_TABLES:
        name = f"{table}_wide"
        if name in db.view_names():
            db[name].drop()
        if not db[name].exists():
            columns = {"report_id": str, **{c: int if c == "year" else str for c in REPORT_COLUMNS}}
            db[name].create(columns, pk="report_id", foreign_keys=[("report_id", "reports", "id")])
            _add_key_columns(db, table, value_type)
            db.execute(_pivot_sql(table, "1"))
        _add_key_columns(db, table, value_type)  # keys the codebook gained since
        for columns in INDEXES:
            db[name].create_index(columns, if_not_exists=True)


def write_report(db: sqlite_utils.Database, report_id: str) -> None:
    """(Re)write one report's wide rows from its stored row and facts (in the caller's transaction)."""
    for table in WIDE_TABLES:
        db.execute(_pivot_sql(table, "r.id = ?"), [report_id])


def _declared_type(db: sqlite_utils.Database, table: str, column: str) -> str:
    """The declared SQL type of a column (the wide key columns take that of facts.value)."""
    return next(c.type for c in db[table].columns if c.name == column)


def _add_key_columns(db: sqlite_utils.Database, table: str, value_type: str) -> None:
    existing = db[f"{table}_wide"].columns_dict
    for key in keys_of(table):
        if key not in existing:
            db.execute(f"ALTER TABLE [{table}_wide] ADD COLUMN [{key}] {value_type}")


def _wide_value(key: str) -> str:
    return "normalised" if KEYS[key].unit in MONEY_UNITS else "value"


def _pivot_sql(table: str, where: str) -> str:
    """INSERT OR REPLACE of the wide rows of the reports matching `where` (on reports r)."""
    keys = keys_of(table)
    # Money in the codebook's unit (harvester.db.money), every other key as printed.
    pivots = ",\n  ".join(f"max(CASE WHEN f.key = '{key}' THEN f.{_wide_value(key)} END)" for key in keys)
    columns = ", ".join(f"[{c}]" for c in ("report_id", *REPORT_COLUMNS, *keys))
    report_columns = ", ".join(f"r.{c}" for c in REPORT_COLUMNS)
    return (f"INSERT OR REPLACE INTO [{table}_wide] ({columns})\n"
            f"SELECT r.id, {report_columns},\n  {pivots}\n"
            # `+`: join by the facts' primary key (report_id, key), never by the table_name
            # index, which would read every fact of the table for each report.
            f"FROM reports r LEFT JOIN facts f ON f.report_id = r.id AND +f.table_name = '{table}'\n"
            f"WHERE {where} GROUP BY r.id")
