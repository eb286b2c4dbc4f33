"""Publish-stage figures: Chinese search against a substring scan, and load/reload time.

    .venv/bin/python benchmarks/publish_bench.py [--megabytes 5]

Prints, for 1- to 4-character queries over ~N MB of report text (the seed texts repeated
with a counter so passages differ): FTS pair-token query time vs a LIKE scan, and whether
both return the same rows; then index size.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from pathlib import Path

from harvester.db import search

SEEDS = sorted(Path(__file__).resolve().parents[1].glob("tests/fixtures/reports/*/*.txt"))
QUERIES = ["公", "复议", "公开", "依申请", "政府信息", "行政诉讼", "三安全一稳定"]


def corpus(megabytes: float) -> list[str]:
    """400-character passages of seed text, about `megabytes` MB in all."""
    text = "".join(p.read_text(encoding="utf-8") for p in SEEDS)
    passages = [text[i:i + 400] for i in range(0, len(text), 400)]
    out, size, n = [], 0, 0
    while size < megabytes * 1e6:
        passage = f"{n}{passages[n % len(passages)]}"
        out.append(passage)
        size += len(passage.encode())
        n += 1
    return out


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    """Median milliseconds of fn() and its last result."""
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=float, default=5)
    args = parser.parse_args()
    if not SEEDS:
        sys.exit("no seed texts under tests/fixtures/reports/*/")
    texts = corpus(args.megabytes)
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE sections (text TEXT)")
    conn.executemany("INSERT INTO sections (rowid, text) VALUES (?, ?)", enumerate(texts, 1))
    search.create_index(conn)
    began = time.perf_counter()
    search.index_rows(conn, enumerate(texts, 1))
    print(f"{len(texts)} passages, {args.megabytes} MB; indexed in {time.perf_counter() - began:.1f} s")
    print(f"{'query':<10}{'fts ms':>8}{'scan ms':>9}{'rows':>7}  same")
    for query in QUERIES:
        fts_ms, fts = timed(lambda: search.search_sections(conn, query))
        scan_ms, scan = timed(lambda: [r for (r,) in conn.execute(
            "SELECT rowid FROM sections WHERE instr(text, ?) ORDER BY rowid", (query,))])
        print(f"{query:<10}{fts_ms:>8.2f}{scan_ms:>9.2f}{len(fts):>7}  {fts == scan}")
    pages = conn.execute(f"SELECT sum(length(block)) FROM {search.FTS_TABLE}_data").fetchone()[0]
    print(f"index data: {pages / 1e6:.1f} MB for {args.megabytes} MB of text")


if __name__ == "__main__":
    main()
