"""The charts on the home page (datasette-dashboards): drawn in headless Chromium from the
archive's own numbers, with nothing loaded from another host, while arbitrary SQL stays off."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from datasette.utils import tilde_encode

from harvester.db.datasette import build_metadata
from publish.helpers import watched_page

CHARTS = build_metadata()["plugins"]["datasette-dashboards"]["harvester"]["charts"]


def chart_rows(server: str, chart: str) -> list[dict]:
    response = httpx.get(f"{server}/harvester.json", timeout=30,
                         params={"sql": CHARTS[chart]["query"], "_shape": "objects"})
    assert response.status_code == 200, response.text[:300]
    return response.json()["rows"]


def test_home_page_draws_every_chart_from_this_server_only(server: str, browser) -> None:
    with watched_page(browser) as watched:
        assert watched.page.goto(server + "/", wait_until="networkidle").status == 200
        frame = watched.page.frame_locator("#dashboard")
        drawn = frame.locator(".dashboard-card-chart svg.marks")
        for chart in CHARTS:  # vega-embed has drawn each chart
            frame.locator(f"#chart-{chart} svg.marks").wait_for()
        assert drawn.count() == len(CHARTS)
        assert watched.hosts == {urlsplit(server).netloc}
        assert not watched.errors, watched.errors


def test_report_and_chart_pages_load_nothing_from_another_host(server: str, loaded_archive: Path, browser) -> None:
    conn = sqlite3.connect(loaded_archive / "harvester.db")
    (rid,) = conn.execute("SELECT id FROM reports ORDER BY id LIMIT 1").fetchone()
    for path in ("/-/dashboards/harvester", f"/harvester/reports/{tilde_encode(rid)}"):
        with watched_page(browser) as watched:
            assert watched.page.goto(server + path, wait_until="networkidle").status == 200
            assert watched.hosts == {urlsplit(server).netloc} and not watched.errors, (
                path, watched.hosts, watched.errors)


def test_requests_by_year_are_the_printed_totals(server: str, loaded_archive: Path) -> None:
    conn = sqlite3.connect(loaded_archive / "harvester.db")
    printed = dict(conn.execute(
        "SELECT r.year, sum(f.value) FROM facts f JOIN reports r ON r.id = f.report_id"
        " WHERE f.key = 'apply.new.total' GROUP BY r.year").fetchall())
    charted: dict[int, int] = {}
    for row in chart_rows(server, "requests-by-year"):
        charted[row["year"]] = charted.get(row["year"], 0) + (row["new_requests"] or 0)
    assert printed and charted == printed


def test_coverage_chart_marks_reports_missing_after_the_deadline(server: str, loaded_archive: Path) -> None:
    conn = sqlite3.connect(loaded_archive / "harvester.db")
    published = set(conn.execute("SELECT a.name, r.year FROM reports r"
                                 " JOIN agencies a ON a.id = r.agency_id").fetchall())
    cells = {(row["agency"], row["year"]): row["status"] for row in chart_rows(server, "coverage")}
    assert {cell for cell, status in cells.items() if status == "published"} == published
    # The seed reports are of 2019, 2020 and 2024: every agency misses years long past their deadline.
    assert "missing after deadline" in cells.values()
    assert CHARTS["coverage"]["display"]["encoding"]["color"]["scale"]["domain"][1] == "missing after deadline"
    provinces = chart_rows(server, "coverage-by-province")
    held = {row["province"]: row for row in provinces if row["published"]}
    assert len(provinces) > 30 * 6 and {"辽宁省", "山东省"} <= set(held)
    assert sum(row["published"] for row in provinces) == len(published)


def test_every_chart_query_answers(server: str, loaded_archive: Path) -> None:
    for chart in set(CHARTS) - {"failed-checks"}:
        assert chart_rows(server, chart), chart
    conn = sqlite3.connect(loaded_archive / "harvester.db")
    failed = conn.execute("SELECT count(*) FROM checks WHERE passed = 0").fetchone()[0]
    assert sum(row["reports"] for row in chart_rows(server, "failed-checks")) == failed


@pytest.mark.parametrize("sql", ["select 1", CHARTS["requests-by-year"]["query"] + " LIMIT 1"])
def test_other_sql_is_still_refused(server: str, sql: str) -> None:
    response = httpx.get(f"{server}/harvester.json", params={"sql": sql}, timeout=30)
    assert response.status_code == 403
