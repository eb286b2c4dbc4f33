"""Chinese full-text search that matches exactly what a substring scan matches.

SQLite's tokenizers do not segment Chinese (unicode61 sees a whole run of Han characters
as one token; trigram misses 1- and 2-character queries). So every section's text is
indexed twice in helper columns: `chars` (one token per character) and `pairs` (one token
per overlapping character pair). A query of one character matches a `chars` token; a
longer query becomes a phrase of its overlapping pairs, which matches exactly where the
query occurs as a substring.

Each character is written as a token that unicode61 keeps intact and unchanged: Han
characters and [0-9a-pr-z] as themselves, anything else (upper case, punctuation,
spaces, other scripts) escaped as `q<hex>q`. The escape makes the code prefix-free, so
a pair token names exactly two characters and folding/diacritic rules never apply.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

FTS_TABLE = "sections_fts"
"""FTS5 table whose rowid is the rowid of `sections`."""

_LITERAL_ASCII = frozenset("0123456789abcdefghijklmnoprstuvwxyz")  # no "q": it escapes


def _is_literal(char: str) -> bool:
    """True when unicode61 (Unicode 6.1 tables) keeps this character as a token character."""
    point = ord(char)
    # CJK Unified Ideographs as of Unicode 6.1, and Extension A.
    return char in _LITERAL_ASCII or 0x4E00 <= point <= 0x9FCC or 0x3400 <= point <= 0x4DB5


def encode_char(char: str) -> str:
    """The token text of one character."""
    return char if _is_literal(char) else f"q{ord(char):x}q"


def char_tokens(text: str) -> str:
    """The `chars` helper column: one token per character."""
    return " ".join(encode_char(c) for c in text)


def pair_tokens(text: str) -> str:
    """The `pairs` helper column: one token per overlapping pair of characters."""
    codes = [encode_char(c) for c in text]
    return " ".join(a + b for a, b in zip(codes, codes[1:]))


# Bounds of what the search functions read: they also run as SQL functions under --allow-sql,
# where Datasette's time limit cannot stop Python (a 50 MB argument once ran 24 s in 8.9 GB).
MAX_QUERY_CHARS = 100  # a search is a few words
MAX_TEXT_CHARS = 1_000_000  # a report section is far shorter; a snippet reads no further


class QueryTooLong(ValueError):
    """A search query over MAX_QUERY_CHARS characters."""

    def __init__(self) -> None:
        super().__init__(f"search text over {MAX_QUERY_CHARS} characters")


def match_expression(query: str) -> str | None:
    """The FTS5 MATCH expression for a substring query; None for an empty query."""
    if len(query or "") > MAX_QUERY_CHARS:
        raise QueryTooLong
    if not query:
        return None
    if len(query) == 1:
        return f'chars : "{encode_char(query)}"'
    return f'pairs : "{pair_tokens(query)}"'


def create_index(conn: sqlite3.Connection) -> None:
    """Create the search table if missing."""
    conn.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
        "chars, pairs, tokenize = 'unicode61 remove_diacritics 0')"
    )


def index_rows(conn: sqlite3.Connection, rows: Iterable[tuple[int, str]]) -> None:
    """(Re)index sections given as (rowid, text)."""
    for rowid, text in rows:
        conn.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = ?", (rowid,))
        conn.execute(
            f"INSERT INTO {FTS_TABLE} (rowid, chars, pairs) VALUES (?, ?, ?)",
            (rowid, char_tokens(text), pair_tokens(text)),
        )


def unindex_rows(conn: sqlite3.Connection, rowids: Iterable[int]) -> None:
    """Remove sections from the index."""
    conn.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = ?", ((r,) for r in rowids))


def search_sections(conn: sqlite3.Connection, query: str) -> list[int]:
    """Rowids of `sections` whose text contains `query`, in rowid order."""
    expression = match_expression(query)
    if expression is None:
        return []
    rows = conn.execute(
        f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? ORDER BY rowid", (expression,)
    )
    return [r[0] for r in rows]


def snippet(text: str, query: str, width: int = 30) -> str:
    """The text around the first occurrence of `query` in the first MAX_TEXT_CHARS, the match in 【】."""
    if len(query) > MAX_QUERY_CHARS:
        raise QueryTooLong
    text = text[:MAX_TEXT_CHARS]
    at = text.find(query) if query else -1
    if at < 0:
        return text[: 2 * width]
    start, end = max(0, at - width), at + len(query)
    return f"{'…' if start else ''}{text[start:at]}【{query}】{text[end:end + width]}…"
