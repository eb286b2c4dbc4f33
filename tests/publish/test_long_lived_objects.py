"""What the server makes at start is out of the garbage collector's reach while it serves.

Measured at 1M facts: one facts page in 20 took 165 ms of CPU instead of ~65, 137 ms of it a
full collection of Python's cyclic garbage collector walking every object the server holds
(Datasette, its plugins, the metadata with 570 column descriptions, compiled templates).
With those frozen, a full collection still walks the page being rendered (~50 ms at load 6-8),
two or three times in 40 facts pages: the oldest generation is collected ten times less often.
"""

from __future__ import annotations

import asyncio
import gc
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from datasette.app import Datasette

from harvester.config import Layout
from harvester.db.datasette import SETTINGS, build_metadata
from harvester.db.plugins import register_plugins
from publish.test_scaled_pages import benchmark


def test_objects_made_at_start_are_left_out_of_collections(loaded_archive: Path) -> None:
    register_plugins()
    datasette = Datasette(immutables=[str(Layout(loaded_archive).published)], metadata=build_metadata())
    metadata = datasette._metadata_local  # made at start, kept while served
    assert any(o is metadata for o in gc.get_objects())  # tracked by the collector before

    async def start_and_browse() -> int:
        await datasette.invoke_startup()
        return (await datasette.client.get("/harvester/facts")).status_code
    try:
        # In a thread of its own: the session's Chromium (sync Playwright) keeps an event loop in this one.
        with ThreadPoolExecutor(1) as thread:
            assert thread.submit(asyncio.run, start_and_browse()).result() == 200
        assert not any(o is metadata for o in gc.get_objects())  # no generation walks it
    finally:
        gc.unfreeze()  # the rest of the test session collects as before


def test_full_collections_are_rare_while_pages_are_served(loaded_archive: Path, tmp_path: Path) -> None:
    facts = sqlite3.connect(Layout(loaded_archive).published).execute(
        "SELECT count(*) FROM facts").fetchone()[0]
    benchmark().replicate(loaded_archive, tmp_path, facts * 40)  # full pages of 100 facts
    register_plugins()
    # Without facet suggestions, as `harvester serve` runs (they cost this test 30 s of SQL, nothing of GC).
    assert SETTINGS["suggest_facets"] == "off"
    datasette = Datasette(immutables=[str(Layout(tmp_path).published)], metadata=build_metadata(),
                          settings={"suggest_facets": False})
    full: list[str] = []

    def count(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 2:
            full.append(phase)

    async def browse() -> list[int]:
        await datasette.invoke_startup()
        gc.callbacks.append(count)
        return [(await datasette.client.get(path)).status_code
                for path in ["/harvester/facts", "/harvester/reports"] * 40]
    thresholds = gc.get_threshold()
    try:
        with ThreadPoolExecutor(1) as thread:
            statuses = thread.submit(asyncio.run, browse()).result()
    finally:
        gc.callbacks.remove(count)
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    assert statuses == [200] * 80
    assert len(full) <= 1, full
