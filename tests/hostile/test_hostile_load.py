"""`harvester load` over an archive holding a corpus of hostile files beside good reports: it exits 0,
records for each hostile file what went wrong (or reads it exactly, when it only lies), never reads a
value the report does not print, and still publishes every good report whole."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_corpus import PART, TRAVERSAL_MEMBER, WHOLE, hostile_files

from harvester.db.parsecache import ParseCache
from harvester.parse import PARSER_VERSION
from harvester.registry import REGISTRY, Site, load_registry
from publish.helpers import SEEDS, archive_files, expected, seed_files, site_of

ESCAPED = Path("/tmp/harvester-evil.xml")  # where the traversal member would land if it were extracted


@pytest.fixture(scope="module")
def sites() -> list[Site]:
    return load_registry()


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory, sites: list[Site]):
    """The corpus and two good seeds (every carrier) archived, then `harvester load` as a user runs it."""
    root = tmp_path_factory.mktemp("hostile")
    corpus = hostile_files()
    good = [(site_of(seed, sites), f"http://127.0.0.1/{seed}/{path.name}", path.read_bytes())
            for seed in SEEDS[:2] for path in seed_files(seed)]
    archive_files(root, [(site_of(SEEDS[0], sites), url, data) for url, data, _ in corpus] + good)
    env = {**os.environ, "HARVESTER_PARSE_MEMORY_MB": "700"}  # the PDF bomb needs more; good reports far less
    run = subprocess.run([sys.executable, "-m", "harvester", "load", "--archive", str(root), "--registry",
                          str(REGISTRY), "--workers", "2"], capture_output=True, text=True, env=env, timeout=600)
    yield root, corpus, good, run


def parsed(root: Path, data: bytes):
    """The load's recorded parse of these bytes."""
    cache = ParseCache(root)
    try:
        return cache.get(hashlib.sha256(data).hexdigest(), PARSER_VERSION)
    finally:
        cache.close()


def test_the_load_goes_on_and_exits_0(loaded) -> None:
    _, corpus, _, run = loaded
    assert len(corpus) >= 35
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-3000:]
    [bomb] = [url for url, _, _ in corpus if url.endswith("/bomb.pdf")]
    assert "parse failures: 1\n" in run.stdout and f"{bomb}: parse worker killed by" in run.stdout


def test_every_hostile_file_is_recorded_with_what_went_wrong(loaded) -> None:
    root, corpus, _, _ = loaded
    with sqlite3.connect(root / "harvester.db") as db:
        rows = {url: json.loads(errors or "[]") for url, errors in db.execute("SELECT url, errors FROM documents")}
    seed_facts = expected(SEEDS[0])["facts"]
    for url, data, expectation in corpus:
        result = parsed(root, data)
        assert url in rows and result is not None, url
        assert result.facts.items() <= seed_facts.items(), url  # never a value the report does not print
        if expectation == WHOLE:
            assert (result.kind, result.facts) == ("report", seed_facts), (url, rows[url])
        elif expectation == PART:
            assert result.kind == "report" and result.facts, (url, rows[url])
            assert any("cut short" in error for error in rows[url]), (url, rows[url])
        else:
            assert any(expectation in error for error in rows[url]), (url, rows[url])
    assert not ESCAPED.exists() and any(url.endswith(TRAVERSAL_MEMBER) for url, _, _ in corpus)


def test_every_good_report_is_still_loaded_whole(loaded, sites: list[Site]) -> None:
    root, _, good, _ = loaded
    with sqlite3.connect(root / "harvester.db") as db:
        statuses = dict(db.execute("SELECT url, parse_status FROM documents"))
        published = dict(db.execute("SELECT agency || year, n_facts FROM reports"))
    for _, url, data in good:
        seed = url.split("/")[3]
        assert statuses[url] == "report" and parsed(root, data).facts == expected(seed)["facts"], url
    assert published == {f"{expected(seed)['agency']}{expected(seed)['year']}": len(expected(seed)["facts"])
                         for seed in SEEDS[:2]}
