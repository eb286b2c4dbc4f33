"""table3_wide's HTML page shows the report's columns and each row's totals, every column one click away.

Measured at 1M facts (benchmarks/publish_scale_bench.py): its page of 10 rows took 86 ms of
CPU, three times a bare 100-row SQL page, nearly all of it Jinja rendering 191 headers and
1,910 cells. Its JSON and CSV keep every column.
"""

from __future__ import annotations

import csv
import io
import re

import httpx

from harvester.db.wide import REPORT_COLUMNS, keys_of

TOTALS = [key for key in keys_of("table3") if key.endswith(".total")]
EVERY_COLUMN = ["report_id", *REPORT_COLUMNS, *keys_of("table3")]


def header(html: str) -> list[str]:
    """The columns a table page renders, in order."""
    return re.findall(r'<th [^>]*scope="col" data-column="([^"]+)"', html)


def test_the_page_shows_the_report_columns_and_the_totals(server: str) -> None:
    for params in ({}, {"year": 2024}, {"_sort": "agency"}):
        response = httpx.get(f"{server}/harvester/table3_wide", params=params, timeout=60)
        assert response.status_code == 200
        assert header(response.text) == ["report_id", *REPORT_COLUMNS, *TOTALS], params
        assert 'href="?_columns=all"' in response.text  # every column, one click away
        assert len(re.findall(r"<tr>", response.text)) > 1  # rows rendered, not an empty page


def test_every_column_one_click_away_and_in_json_and_csv(server: str) -> None:
    page = httpx.get(f"{server}/harvester/table3_wide", params={"_columns": "all"}, timeout=60)
    assert header(page.text) == EVERY_COLUMN
    chosen = httpx.get(f"{server}/harvester/table3_wide", timeout=60,
                       params=[("_col", "agency"), ("_col", "apply.new.total")])
    assert header(chosen.text) == ["report_id", "agency", "apply.new.total"]  # a reader's choice kept
    data = httpx.get(f"{server}/harvester/table3_wide.json", timeout=60).json()
    assert data["columns"] == EVERY_COLUMN and data["rows"]
    table = list(csv.reader(io.StringIO(httpx.get(f"{server}/harvester/table3_wide.csv",
                                                  timeout=60).text)))
    assert table[0] == EVERY_COLUMN and len(table) > 1
