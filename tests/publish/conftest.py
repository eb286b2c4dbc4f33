"""Fixtures for the publish tests: a real archive of the seed reports, loaded, and served.

The archive is written with the archive's own modules (BlobStore, FetchLog), from the
fixture files the lead builds (every seed in every carrier), so the load stage parses
real HTML, DOCX, DOC and PDF files. Expected numbers come from the golden files.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from harvester.db.load import load
from harvester.registry import Site, load_registry
from publish.helpers import archive_files, free_port, seed_archive_files


@pytest.fixture(scope="session")
def sites() -> list[Site]:
    return load_registry()


@pytest.fixture(scope="session")
def loaded_archive(tmp_path_factory: pytest.TempPathFactory, sites: list[Site]) -> Path:
    """An archive of every seed in every carrier, loaded into harvester.db."""
    root = tmp_path_factory.mktemp("archive")
    archive_files(root, seed_archive_files(sites))
    load(root, sites)
    return root


@pytest.fixture(scope="session")
def server(loaded_archive: Path) -> str:
    """`harvester serve` on the loaded archive, as a real server; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "harvester", "serve", "--archive", str(loaded_archive),
         "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/-/versions.json", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"datasette did not start: {process.stdout.read1().decode()}")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
