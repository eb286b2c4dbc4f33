"""How each fact's value was established (ParseResult.cell_status) is published exactly:
facts.reading and facts.verified, faceted in Datasette and in the CSV panel."""

from __future__ import annotations

import csv
from itertools import cycle
from pathlib import Path

import httpx
import pytest

from harvester.db.load import load
from harvester.db.parsecache import ParseCache
from harvester.export import export
from harvester.parse import parse_file
from harvester.parse.model import CELL_STATUSES
from harvester.registry import Site
from publish.helpers import REPORTS, archive_files, expected, serve, site_of

AS_PARSED = "001_1fe2932832f48954"  # published with whatever statuses the parser gives
EVERY_STATUS = "002_7f2f36b97c6d827f"  # its parse result given every status, via the parse cache


def _path(seed: str) -> Path:
    return REPORTS / seed / f"{seed}.pdf"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, sites: list[Site]):
    """Two reports loaded for real and served; yields (base URL, root, statuses by report)."""
    root = tmp_path_factory.mktemp("cell-status")
    archive_files(root, [(site_of(seed, sites), f"http://127.0.0.1/{seed}.pdf",
                          _path(seed).read_bytes()) for seed in (AS_PARSED, EVERY_STATUS)])
    results = {seed: parse_file(_path(seed)) for seed in (AS_PARSED, EVERY_STATUS)}
    every = results[EVERY_STATUS]
    every.cell_status = dict(zip(sorted(every.facts), cycle(CELL_STATUSES)))
    cache = ParseCache(root)
    cache.put(every)
    cache.close()
    load(root, sites, workers=1)
    statuses = {f"{site_of(seed, sites)}/{expected(seed)['year']}": results[seed].cell_status
                for seed in results}
    with serve(root) as base:
        yield base, root, statuses


def _facts(base: str, report_id: str) -> list[dict]:
    response = httpx.get(f"{base}/harvester/facts.json", params={
        "report_id": report_id, "_shape": "array", "_size": "max"}, timeout=10)
    response.raise_for_status()
    return response.json()


def test_every_fact_carries_its_cell_status_over_http(published) -> None:
    base, _, statuses = published
    for report_id, status in statuses.items():
        facts = _facts(base, report_id)
        assert len(facts) > 100
        assert {f["key"]: f["reading"] for f in facts} == {
            f["key"]: status.get(f["key"]) for f in facts}
        assert all(f["verified"] == int(f["reading"] == "verified") for f in facts)
    published_statuses = {f["reading"] for rid in statuses for f in _facts(base, rid)}
    assert set(CELL_STATUSES) <= published_statuses


def test_verified_and_reading_are_facets_described_in_datasette(published) -> None:
    base, _, statuses = published
    table = httpx.get(f"{base}/harvester/facts.json", params={"_size": "1"}, timeout=10).json()
    facets = table["facet_results"]
    counts = {r["value"]: r["count"] for r in facets["reading"]["results"]}
    expected_counts: dict[str, int] = {}
    for status in statuses.values():
        for value in status.values():
            expected_counts[value] = expected_counts.get(value, 0) + 1
    assert {k: v for k, v in counts.items() if k is not None} == expected_counts
    assert {r["value"] for r in facets["verified"]["results"]} <= {0, 1}
    columns = httpx.get(f"{base}/-/metadata.json", timeout=10).json()[
        "databases"]["harvester"]["tables"]["facts"]["columns"]
    assert all(status in columns["reading"] for status in CELL_STATUSES)
    assert "verified" in columns


def test_the_csv_panel_carries_verified_and_reading(published, tmp_path: Path) -> None:
    _, root, statuses = published
    export(root, tmp_path)
    with open(tmp_path / "panel_long.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    for row in rows:
        status = statuses[row["report_id"]].get(row["key"])
        assert (row["reading"], row["verified"]) == (status or "", str(int(status == "verified")))
