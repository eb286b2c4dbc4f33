"""Coverage matrix agency x year: published, not yet due, or missing after the legal deadline.

Regulation on open government information (2019) art. 49: a department publishes its annual
report by 31 January, a people's government by 31 March, of the following year.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import sqlite_utils

FIRST_YEAR = 2008  # the regulation took effect on 1 May 2008; the first reports cover 2008


def deadline(level: str | None, name: str | None, year: int) -> date:
    """The legal deadline of the report on `year` for an agency of this registry level (or name)."""
    if level:
        government = not level.startswith("department")
    else:
        government = bool(name) and name.endswith("人民政府")
    return date(year + 1, 3, 31) if government else date(year + 1, 1, 31)


def matrix(db: sqlite_utils.Database, today: date, first_year: int | None = None) -> list[dict[str, Any]]:
    """One row per agency and year from the first year covered up to last year."""
    published = {(r["agency_id"], r["year"]): r["id"] for r in db.query("SELECT id, agency_id, year FROM reports")}
    years = [year for _, year in published] or [today.year - 1]
    start = first_year or max(FIRST_YEAR, min(years))
    rows = []
    for agency in db.query("SELECT id, name, level, province, city, county FROM agencies ORDER BY id"):
        for year in range(start, today.year):
            due = deadline(agency["level"], agency["name"], year)
            report = published.get((agency["id"], year))
            status = "published" if report else "missing_after_deadline" if today > due else "not_yet_due"
            rows.append({
                "agency_id": agency["id"], "agency": agency["name"], "level": agency["level"],
                "province": agency["province"], "city": agency["city"], "county": agency["county"],
                "year": year, "deadline": due.isoformat(), "status": status, "report_id": report,
            })
    return rows


def missing_after_deadline(db_path: Path) -> list[tuple[str, str]]:
    """(agency, comma-separated years) whose report is missing after the deadline, from the published
    coverage table (none before the first scheduled run wrote it)."""
    if not db_path.exists():
        return []
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return conn.execute(
            "SELECT agency, group_concat(year, ',') FROM (SELECT agency, year FROM coverage"
            " WHERE status = 'missing_after_deadline' ORDER BY agency, year) GROUP BY agency"
        ).fetchall()
    except sqlite3.OperationalError:
        return []  # no coverage table yet
    finally:
        conn.close()
