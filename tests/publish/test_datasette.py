"""`harvester serve` as a real server: known numbers over HTML, JSON and CSV; search; read-only."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from pathlib import Path

import httpx
import pytest

from harvester.archive.store import BlobStore
from publish.helpers import SEEDS, expected

TABLE3_TOTALS = ("apply.new.total", "result.granted.total", "result.total.total",
                 "carry_forward.total")


def get(server: str, path: str, **params) -> httpx.Response:
    response = httpx.get(server + path, params=params, timeout=30)
    assert response.status_code == 200, (path, response.text[:300])
    return response


def report_id(loaded_archive: Path, seed: str) -> str:
    golden = expected(seed)
    conn = sqlite3.connect(loaded_archive / "harvester.db")
    (rid,) = conn.execute("SELECT id FROM reports WHERE agency = ? AND year = ?",
                          (golden["agency"], golden["year"])).fetchone()
    return rid


@pytest.mark.parametrize("seed", SEEDS)
def test_json_wide_rows_hold_the_golden_table3_and_table4(server, loaded_archive, seed) -> None:
    rid = report_id(loaded_archive, seed)
    facts = expected(seed)["facts"]
    for table in ("table3", "table4"):
        (row,) = get(server, f"/harvester/{table}_wide.json", report_id=rid, _shape="array").json()
        golden = {k: v for k, v in facts.items() if k in row}
        assert golden and {k: row[k] for k in golden} == golden


def test_csv_gives_every_report_with_golden_numbers(server, loaded_archive) -> None:
    text = get(server, "/harvester/table3_wide.csv", _stream="on").text
    rows = {r["report_id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert len(rows) == len(SEEDS)
    for seed in SEEDS:
        row, facts = rows[report_id(loaded_archive, seed)], expected(seed)["facts"]
        assert [row[k] for k in TABLE3_TOTALS] == [str(facts[k]) for k in TABLE3_TOTALS]


def test_html_report_page_shows_numbers_and_links(server, loaded_archive) -> None:
    seed = max(SEEDS, key=lambda s: expected(s)["facts"]["apply.new.total"])
    rid, golden = report_id(loaded_archive, seed), expected(seed)
    page = get(server, "/harvester/facts", report_id=rid, key="apply.new.total").text
    assert re.search(rf'class="col-value[^"]*">\s*{golden["facts"]["apply.new.total"]}\s*<', page)
    conn = sqlite3.connect(loaded_archive / "harvester.db")
    url, sha256 = conn.execute("SELECT source_url, source_sha256 FROM reports WHERE id = ?",
                               (rid,)).fetchone()
    row_page = get(server, "/harvester/reports", id=rid).text
    assert golden["agency"] in row_page
    assert f'href="{url}"' in row_page and f'href="/-/blob/{sha256}"' in row_page


def test_archived_file_is_served_sandboxed_and_exact(server, loaded_archive) -> None:
    conn = sqlite3.connect(loaded_archive / "harvester.db")
    sha256, content_type = conn.execute(
        "SELECT sha256, content_type FROM documents WHERE carrier = 'html' LIMIT 1").fetchone()
    response = get(server, f"/-/blob/{sha256}")
    assert response.content == BlobStore(loaded_archive).read(sha256)
    assert response.headers["content-type"] == content_type
    assert response.headers["content-security-policy"] == "sandbox"


@pytest.mark.parametrize("word", ["公开", "复议", "依申请", "政府信息", "行政诉讼"])
def test_zh_filter_matches_a_substring_scan(server, loaded_archive, word) -> None:
    conn = sqlite3.connect(loaded_archive / "harvester.db")
    scan = sorted(conn.execute("SELECT report_id, section FROM sections WHERE instr(text, ?)",
                               (word,)).fetchall())
    rows = get(server, "/harvester/sections.json", _zh=word, _shape="array", _size="max",
               _col="section").json()
    assert sorted((r["report_id"], r["section"]) for r in rows) == scan
    # The canned search query agrees, with the word in its snippet.
    hits = get(server, "/harvester/search.json", q=word, _shape="array").json()
    assert sorted((h["report_id"], h["section"]) for h in hits) == scan
    assert hits and all(f"【{word}】" in h["snippet"] for h in hits)


def test_zh_filter_keeps_facets_and_csv(server, loaded_archive) -> None:
    conn = sqlite3.connect(loaded_archive / "harvester.db")
    matching = {r for (r,) in conn.execute(
        "SELECT DISTINCT report_id FROM sections WHERE instr(text, '复议')")}
    data = get(server, "/harvester/reports.json", _zh="复议", _facet="year").json()
    years = {f["value"]: f["count"] for f in data["facet_results"]["year"]["results"]}
    assert sum(years.values()) == len(matching) == data["filtered_table_rows_count"]
    text = get(server, "/harvester/reports.csv", _zh="复议", _stream="on").text
    assert {r["id"] for r in csv.DictReader(io.StringIO(text))} == matching


def test_canned_queries_answer(server, loaded_archive) -> None:
    rows = get(server, "/harvester/requests_by_agency_year.json", agency="",
               _shape="array").json()
    by_report = {(r["agency"], r["year"]): r["new_requests"] for r in rows}
    for seed in SEEDS:
        golden = expected(seed)
        assert by_report[(golden["agency"], golden["year"])] == golden["facts"]["apply.new.total"]
    for query in ("outcome_shares", "reviews_and_lawsuits", "failed_checks"):
        get(server, f"/harvester/{query}.json")
    coverage = get(server, "/harvester/agency_years.json", _shape="array").json()
    conn = sqlite3.connect(loaded_archive / "harvester.db")
    assert len(coverage) == conn.execute("SELECT count(*) FROM agencies").fetchone()[0]
    years = conn.execute("SELECT max(year) - min(year) + 1 FROM reports").fetchone()[0]
    reports = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
    assert sum(r["missing_years"] for r in coverage) == len(coverage) * years - reports


@pytest.mark.parametrize("method, path", [
    ("POST", "/harvester/reports"),
    ("POST", "/harvester/reports/-/insert"),
    ("GET", "/harvester.db"),
    ("GET", "/harvester?sql=select+1"),
    ("GET", "/harvester/reports.json?_where=1%3D1"),
    ("GET", "/-/blob/..%2F..%2Farchive.db"),
    ("GET", "/-/blob/" + "0" * 64),
])
def test_read_only(server, method, path) -> None:
    response = httpx.request(method, server + path, timeout=30)
    assert 400 <= response.status_code < 500, (path, response.status_code)


def test_metadata_describes_every_column(server) -> None:
    metadata = get(server, "/-/metadata.json").json()
    tables = metadata["databases"]["harvester"]["tables"]
    data = get(server, "/harvester.json").json()
    for table in data["tables"] + data["views"]:
        name = table if isinstance(table, str) else table["name"]
        if name.startswith("sections_fts"):
            continue
        columns = get(server, f"/harvester/{name}.json", _size=1).json()["columns"]
        described = tables.get(name, {}).get("columns", {})
        assert set(columns) - {"rowid"} <= set(described), name
