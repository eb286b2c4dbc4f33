"""Coverage against the country: every government (each division, harvester.divisions) and every
known agency, each year since FIRST_YEAR: published, not yet due, or missing after the deadline.

Regulation on open government information (2019) art. 49: a department publishes its annual
report by 31 January, a people's government by 31 March, of the following year; before the 2019
revision every agency had until 31 March. A government is covered by a report of any agency at
its division with a government's level (a registry entry or a parsed 沭阳县人民政府); a division
is expected only in the years it existed (渝北区 until 2024, 和安县 from 2024), and so are the
agencies placed in it.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import sqlite_utils

from harvester.db import build, lookups
from harvester.divisions import FIRST_YEAR, Division, gazetteer
from harvester.divisions.levels import GOVERNMENT_LEVELS, government_name, is_government

OLDEST_YEAR = 2008  # the regulation took effect on 1 May 2008; the first reports cover 2008
STATUSES = ("published", "not_yet_due", "missing_after_deadline")
SUMMARY = "coverage_by_region"


def deadline(level: str | None, name: str | None, year: int) -> date:
    """The legal deadline of the report on `year` for an agency of this registry level (or name)."""
    if level:
        government = not level.startswith("department")
    else:
        government = bool(name) and name.endswith("人民政府")
    return date(year + 1, 3, 31) if government or year < FIRST_YEAR else date(year + 1, 1, 31)


def matrix(db: sqlite_utils.Database, today: date) -> list[dict[str, Any]]:
    """One row per expected report (government or agency) and year, up to last year."""
    reports = lookups.reports_with_agency(db)
    agencies = lookups.agencies(db)
    by_government = {(r["division"], r["year"]): r["id"] for r in reports if _governs(r)}
    by_agency = {(r["agency_id"], r["year"]): r["id"] for r in reports}
    publishers = {a["division"]: a for a in agencies if _governs(a)}
    rows = []
    for division in gazetteer().divisions:
        if division.administered:
            expected = {y for y in range(FIRST_YEAR, today.year) if division.exists_in(y)}
            government = publishers.get(division.code) or _government(division)
            rows += [_row(government, year, today, by_government.get((division.code, year)))
                     for year in sorted(expected | _years(by_government, division.code, today))]
    for agency in agencies:
        if not _governs(agency):
            division = gazetteer().get(agency["division"])
            expected = {y for y in range(FIRST_YEAR, today.year) if division is None or division.exists_in(y)}
            rows += [_row(agency, year, today, by_agency.get((agency["id"], year)))
                     for year in sorted(expected | _years(by_agency, agency["id"], today))]
    return rows


def summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Coverage by province, level and year: how many reports were expected, published, missing."""
    counts = Counter((row["province"], row["level"], row["year"], row["status"]) for row in rows)
    groups = sorted({key[:3] for key in counts}, key=lambda key: tuple(str(part) for part in key))
    table = []
    for province, level, year in groups:
        by_status = {status: counts[(province, level, year, status)] for status in STATUSES}
        expected = sum(by_status.values())
        table.append({"province": province, "level": level, "year": year, "expected": expected,
                      "published": by_status["published"], "missing": by_status["missing_after_deadline"],
                      "not_yet_due": by_status["not_yet_due"],
                      "share_published": round(by_status["published"] / expected, 4)})
    return table


def write(db: sqlite_utils.Database, today: date) -> int:
    """Rewrite the coverage and coverage_by_region tables of harvester.db; returns coverage rows."""
    rows = matrix(db, today) if db["agencies"].exists() and db["reports"].exists() else []
    with db.atomic():
        for table, pk, table_rows in (("coverage", ("agency_id", "year"), rows),
                                      (SUMMARY, ("province", "level", "year"), summary(rows))):
            db[table].drop(ignore=True)
            if table_rows:
                _insert(db, table, pk, table_rows)
        if rows:
            db["coverage"].create_index(["province", "year", "status"])
        for table in ("coverage", SUMMARY):
            if db[table].exists():
                build.index(db, table)  # the indexes and facet counts of its facets
    return len(rows)


def _insert(db: sqlite_utils.Database, table: str, pk: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    """Create `table` from the first row's columns and insert every row (a plain executemany: tens of
    thousands of rows, where sqlite-utils' per-value conversion would take seconds)."""
    columns = list(rows[0])
    db[table].create({c: type(v) if v is not None else str for c, v in rows[0].items()}, pk=pk)
    db.conn.executemany(f"INSERT INTO [{table}] ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                        [tuple(row[c] for c in columns) for row in rows])


def holes(db: sqlite_utils.Database, n: int = 10) -> list[dict[str, Any]]:
    """The `n` (province, level, year) groups with the most reports missing after their deadline."""
    if not db[SUMMARY].exists():
        return []
    return list(db.query(f"SELECT * FROM {SUMMARY} WHERE missing > 0"
                         " ORDER BY missing DESC, province, level, year LIMIT ?", [n]))


def _years(published: dict[tuple[str, int], str], subject: str, today: date) -> set[int]:
    """The years up to last year `subject` has a report in `published` (keyed by (subject, year))."""
    return {year for year in range(OLDEST_YEAR, today.year) if (subject, year) in published}


def _governs(row: dict[str, Any]) -> bool:
    """True for an agency (or report) that is the government of a known division."""
    return bool(row["division"]) and is_government(row["level"])


def _government(division: Division) -> dict[str, Any]:
    """The coverage subject standing for a division's government that no agency row stands for."""
    return {"id": f"division:{division.code}", "name": government_name(division),
            "level": GOVERNMENT_LEVELS[division.level], "division": division.code, **gazetteer().path(division)}


def _row(agency: dict[str, Any], year: int, today: date, report: str | None) -> dict[str, Any]:
    due = deadline(agency["level"], agency["name"], year)
    status = "published" if report else "missing_after_deadline" if today > due else "not_yet_due"
    return {
        "agency_id": agency["id"], "agency": agency["name"], "division": agency["division"],
        "level": agency["level"], "province": agency["province"], "city": agency["city"],
        "county": agency["county"], "year": year, "deadline": due.isoformat(), "status": status,
        "report_id": report,
    }
