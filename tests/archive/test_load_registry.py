"""`harvester load` takes the agencies of the registry its archive's runs recorded, or the one named
with --registry; an archive whose runs recorded none is refused, never loaded against a guess."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from harvester.archive.fetchlog import Fetch, FetchLog
from harvester.cli import main
from harvester.config import Layout
from harvester.registry import REGISTRY


def archive_without_registry(root: Path) -> Layout:
    """An archive whose one run (a crawl of a bare URL) recorded no registry."""
    layout = Layout(root)
    log = FetchLog(layout.fetch_log)
    try:
        log.start_run("bare-url", "discovery", "127-0-0-1-8000")
        log.record(Fetch(run_id="bare-url", url="http://127.0.0.1:8000/", final_url="http://127.0.0.1:8000/",
                         kind="list", outcome="error", error="refused"))
        assert log.run_registries() == []
    finally:
        log.close()
    return layout


def test_load_refuses_an_archive_that_recorded_no_registry(tmp_path: Path) -> None:
    layout = archive_without_registry(tmp_path)
    result = CliRunner().invoke(main, ["load", "--archive", str(tmp_path)])
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert "recorded no registry" in message and "--registry" in message and str(REGISTRY) in message
    assert not layout.published.exists()


def test_load_takes_the_registry_it_is_given(tmp_path: Path) -> None:
    layout = archive_without_registry(tmp_path)
    result = CliRunner().invoke(main, ["load", "--archive", str(tmp_path), "--registry", str(REGISTRY)])
    assert result.exit_code == 0, result.output
    assert layout.published.is_file()
