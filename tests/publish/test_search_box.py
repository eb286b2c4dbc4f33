"""Datasette's own search box (`?_search=`) finds Chinese words as a substring scan does."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

WORDS = ["公", "公开", "复议", "政府信息", "三安全一稳定"]


def get(server: str, path: str, **params) -> httpx.Response:
    response = httpx.get(server + path, params=params, timeout=30)
    assert response.status_code == 200, (path, response.text[:300])
    return response


def scan(loaded_archive: Path, sql: str, word: str) -> list[tuple]:
    conn = sqlite3.connect(loaded_archive / "harvester.db")
    return sorted(conn.execute(sql, (word,)).fetchall())


@pytest.mark.parametrize("word", WORDS)
def test_search_box_on_sections_is_a_substring_scan(server, loaded_archive, word) -> None:
    expected = scan(loaded_archive,
                    "SELECT report_id, section FROM sections WHERE instr(text, ?)", word)
    rows = get(server, "/harvester/sections.json", _search=word, _shape="array",
               _size="max").json()
    assert sorted((r["report_id"], r["section"]) for r in rows) == expected
    if word != "三安全一稳定":  # not in every corpus; the others are in every report
        assert expected


@pytest.mark.parametrize("word", WORDS)
def test_search_box_on_reports_finds_their_sections(server, loaded_archive, word) -> None:
    expected = scan(loaded_archive,
                    "SELECT DISTINCT report_id FROM sections WHERE instr(text, ?)", word)
    rows = get(server, "/harvester/reports.json", _search=word, _shape="array",
               _size="max").json()
    assert sorted((r["id"],) for r in rows) == expected


def test_search_box_is_shown_with_the_query(server) -> None:
    for table in ("sections", "reports"):
        html = get(server, f"/harvester/{table}", _search="复议").text
        assert 'id="_search" type="search" name="_search" value="复议"' in html, table


def test_canned_search_with_an_empty_query_has_no_rows(server) -> None:
    for params in ({"q": ""}, {}):
        response = httpx.get(f"{server}/harvester/search.json", params={**params, "_shape": "array"},
                             timeout=30)
        assert response.status_code == 200, response.text[:300]
        assert response.json() == []
    html = get(server, "/harvester/search").text
    assert "syntax error" not in html
