"""Table permission checks read the served metadata once per table, and still deny.

Datasette 0.65.5 deep-copies the whole metadata for every `view-table` check (each table of
the home page, every table page): ~6 ms each with the wide tables' column descriptions.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from datasette.app import Datasette

from harvester.config import Layout
from harvester.db.datasette import build_metadata
from harvester.db.plugins import register_plugins


def test_table_permission_checks_read_the_metadata_once_per_table(loaded_archive: Path) -> None:
    register_plugins()
    metadata = build_metadata()
    metadata["databases"]["harvester"]["tables"]["codebook"]["allow"] = {"id": "nobody"}
    datasette = Datasette(immutables=[str(Layout(loaded_archive).published)], metadata=metadata)
    computed: list[tuple[str, str]] = []
    allows = datasette._table_permission_allows  # Datasette's own, counted before startup wraps it

    def counted(database: str, table: str):
        computed.append((database, table))
        return allows(database, table)
    datasette._table_permission_allows = counted

    async def browse() -> list[int]:
        await datasette.invoke_startup()
        return [(await datasette.client.get(path)).status_code for path in (
            "/", "/harvester/facts?_size=1", "/harvester/codebook", "/", "/harvester/facts?_size=1",
            "/harvester/codebook")]
    # In a thread of its own: the session's Chromium (sync Playwright) keeps an event loop in this one.
    with ThreadPoolExecutor(1) as thread:
        statuses = thread.submit(asyncio.run, browse()).result()
    assert statuses == [200, 200, 403, 200, 200, 403]
    assert ("harvester", "facts") in computed
    assert len(computed) == len(set(computed))  # each table's answer computed once


def test_plugin_configs_are_read_from_the_metadata_once(loaded_archive: Path) -> None:
    """Datasette-render-markdown asks for its config for every cell (~800 metadata merges for a
    page of 100 facts); the answers are the same while served, and a copy each time."""
    register_plugins()
    datasette = Datasette(immutables=[str(Layout(loaded_archive).published)], metadata=build_metadata())
    computed: list[tuple] = []
    config = datasette.plugin_config  # Datasette's own, counted before startup wraps it

    def counted(*args, **kwargs):
        computed.append((args, tuple(sorted(kwargs.items()))))
        return config(*args, **kwargs)
    datasette.plugin_config = counted

    async def browse() -> list[int]:
        await datasette.invoke_startup()
        statuses = [(await datasette.client.get(path)).status_code
                    for path in ("/harvester/facts", "/harvester/facts", "/")]
        handed = datasette.plugin_config("harvester")
        handed["filtered_rows"] = 1  # a caller changing what it got changes no one else's
        return statuses + [datasette.plugin_config("harvester")["filtered_rows"]]
    with ThreadPoolExecutor(1) as thread:
        answers = thread.submit(asyncio.run, browse()).result()
    assert answers == [200, 200, 200, 1000]
    assert computed  # asked for (the facts page renders its string cells)
    assert len(computed) == len(set(computed))  # each answer computed once
