"""Chinese full-text search finds exactly what a substring scan finds, for any query length."""

from __future__ import annotations

import random
import sqlite3

import pytest

from harvester.db import search
from publish.helpers import SEEDS, seed_text

WORDS = ["公", "开", "公开", "复议", "申请", "诉讼", "政府信息", "行政复议", "依申请公开",
         "信息公开", "三安全一稳定", "（一）", "2019年", "。", "不存在的词语"]


@pytest.fixture(scope="module")
def indexed() -> tuple[sqlite3.Connection, list[str]]:
    """The seed texts cut into 400-character passages, indexed."""
    texts = []
    for seed in SEEDS:
        text = seed_text(seed)
        texts += [text[i:i + 400] for i in range(0, len(text), 400)]
    conn = sqlite3.connect(":memory:")
    search.create_index(conn)
    search.index_rows(conn, enumerate(texts, 1))
    return conn, texts


def substring_scan(texts: list[str], query: str) -> list[int]:
    return [rowid for rowid, text in enumerate(texts, 1) if query in text]


@pytest.mark.parametrize("query", WORDS)
def test_words_match_a_substring_scan(indexed, query: str) -> None:
    conn, texts = indexed
    assert search.search_sections(conn, query) == substring_scan(texts, query)


def test_two_character_words_are_found() -> None:
    conn = sqlite3.connect(":memory:")
    search.create_index(conn)
    search.index_rows(conn, [(1, "办理政府信息公开行政复议案件"), (2, "公 开"), (3, "公开")])
    assert search.search_sections(conn, "复议") == [1]
    assert search.search_sections(conn, "公开") == [1, 3]
    assert search.search_sections(conn, "公 开") == [2]
    assert search.search_sections(conn, "议案件") == [1]


def test_random_substrings_of_1_to_6_characters(indexed) -> None:
    conn, texts = indexed
    rng = random.Random(4)
    for _ in range(300):
        text = rng.choice(texts)
        length = rng.randint(1, 6)
        start = rng.randrange(len(text) - length)
        query = text[start:start + length]
        assert search.search_sections(conn, query) == substring_scan(texts, query), query


def test_latin_case_and_punctuation_are_exact() -> None:
    conn = sqlite3.connect(":memory:")
    search.create_index(conn)
    search.index_rows(conn, [(1, "PDF版"), (2, "pdf版"), (3, "“三安全一稳定”"), (4, 'a"b')])
    assert search.search_sections(conn, "PDF") == [1]
    assert search.search_sections(conn, "df版") == [2]
    assert search.search_sections(conn, "“三") == [3]
    assert search.search_sections(conn, '"') == [4]
    assert search.search_sections(conn, "") == []
