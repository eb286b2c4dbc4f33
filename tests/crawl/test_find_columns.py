"""`harvester find-columns` from the home pages of the real-CMS replica (tests/crawl/real_cms.py) to their
annual-report columns, over HTTP, as a new user runs it."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from harvester.registry import load_registry
from real_cms import running_homes

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def homes():
    with running_homes() as running:
        yield running


@pytest.mark.parametrize("family", ["hanweb", "platform", "trs"])
def test_find_columns_prints_registry_entries_for_the_report_columns(homes, family: str, tmp_path: Path) -> None:
    cms, found = homes
    home, expected = found[family]
    days = {date.today().isoformat()}
    result = subprocess.run([sys.executable, "-m", "harvester", "find-columns", "--portal", home, "--loopback"],
                            capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert result.returncode == 0, result.stderr
    [entry] = yaml.safe_load(result.stdout)["sites"]
    columns = {column["url"] for column in entry["columns"]}
    assert expected and columns == expected
    days.add(date.today().isoformat())  # the run may pass midnight
    assert all(column["evidence"] in {f"found {day}" for day in days} for column in entry["columns"]), entry
    assert all(column["source"].startswith("find-columns: ") for column in entry["columns"])
    assert not cms.requested("/bs/")  # robots.txt obeyed
    registry = tmp_path / "registry.yaml"
    registry.write_text(result.stdout, encoding="utf-8")
    [site] = load_registry(registry)  # ready to add: the registry's own validation accepts it
    assert set(site.start_urls) == columns
