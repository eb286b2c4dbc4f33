"""What a public Datasette must not give away: unbounded Python work behind SQL, and server paths."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harvester.db import search
from harvester.db.search import MAX_QUERY_CHARS, MAX_TEXT_CHARS
from publish.helpers import serve

HUGE = "replace(hex(zeroblob({n})), '00', '复议')"  # a 2n-character string built inside SQLite


@pytest.fixture(scope="module")
def sql_server(loaded_archive: Path) -> Iterator[str]:
    """`harvester serve --allow-sql`: anyone may send any SQL."""
    with serve(loaded_archive, "--allow-sql") as base:
        yield base


def run_sql(base: str, sql: str) -> dict:
    return httpx.get(f"{base}/harvester.json", params={"sql": sql}, timeout=60).json()


@pytest.mark.parametrize("call", [f"zh_match({HUGE.format(n=MAX_QUERY_CHARS)})",
                                  f"zh_snippet('text', {HUGE.format(n=MAX_QUERY_CHARS)})"])
def test_python_sql_functions_refuse_an_oversized_query(sql_server: str, call: str) -> None:
    answer = run_sql(sql_server, f"select length({call})")
    assert answer["ok"] is False and "raised exception" in answer["error"], answer


def test_a_snippet_reads_a_bounded_prefix_of_its_text(sql_server: str) -> None:
    past_the_bound = f"zh_snippet({HUGE.format(n=MAX_TEXT_CHARS // 2 + 1)} || '申请行政复议', '行政复议')"
    assert run_sql(sql_server, f"select {past_the_bound}")["rows"] == [["复议" * 30]]


def test_python_sql_functions_still_answer_real_queries(sql_server: str) -> None:
    answer = run_sql(sql_server, "select zh_match('复议'), zh_snippet('申请行政复议的案件', '复议')")
    assert answer["ok"] and answer["rows"] == [
        [search.match_expression("复议"), search.snippet("申请行政复议的案件", "复议")]], answer


def test_an_oversized_search_is_a_bad_request(sql_server: str) -> None:
    response = httpx.get(f"{sql_server}/harvester/sections.json", params={"_zh": "复" * (MAX_QUERY_CHARS + 1)})
    assert response.status_code == 400 and f"over {MAX_QUERY_CHARS} characters" in response.text


@pytest.mark.parametrize("page", ["/-/databases.json", "/-/threads.json"])
def test_no_page_shows_server_paths(sql_server: str, loaded_archive: Path, page: str) -> None:
    response = httpx.get(f"{sql_server}{page}")
    assert str(loaded_archive) not in response.text and "/lib/python" not in response.text
    assert response.status_code == 404
