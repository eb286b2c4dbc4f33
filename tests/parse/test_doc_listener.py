"""DOC through one long-lived LibreOffice listener: started once per run, restarted when it dies,
and the antiword fallback saying what it lost. Real unoserver, real soffice, real fixture DOCs."""

from __future__ import annotations

import json
import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from harvester.archive.store import BlobStore
from harvester.db.isolation import parse_archived
from harvester.parse import parse_bytes
from harvester.parse.converter import FOLDER_ENV, UNOSERVER_ENV, recorded, shared_listener, unoserver

REPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
DOCS = sorted(REPORTS.glob("*/*.doc"))

needs_listener = pytest.mark.skipif(unoserver() is None or shutil.which("soffice") is None,
                                    reason="unoserver (./run setup) and LibreOffice are needed")


def starts(folder: Path) -> list[str]:
    """The pids of every listener the folder's run started, in order."""
    path = folder / "starts"
    return path.read_text().split() if path.exists() else []


def expected_facts(path: Path) -> dict:
    return json.loads((path.parent / "expected.json").read_text())["facts"]


def assert_read_by_libreoffice(result, path: Path) -> None:
    """Read through the DOCX route (the grid kept), with the seed's facts."""
    assert (result.kind, result.carrier, result.method) == ("report", "doc", "markup"), result.errors
    assert not [e for e in result.errors if "LibreOffice" in e]
    facts = expected_facts(path)
    assert facts and all(result.facts.get(key) == value for key, value in facts.items())


@pytest.fixture(scope="module")
def listener_folder() -> Iterator[Path]:
    """One listener for the module's batches (it takes ~8 s to start)."""
    with shared_listener() as folder:
        yield folder


@needs_listener
def test_a_batch_of_doc_starts_libreoffice_once(listener_folder: Path) -> None:
    assert len(DOCS) >= 5
    before = len(starts(listener_folder))  # another test of the module may have started it
    for path in DOCS:
        assert_read_by_libreoffice(parse_bytes(path.read_bytes(), path.name), path)
    assert len(starts(listener_folder)) == max(before, 1)


@needs_listener
def test_listener_killed_mid_batch_is_restarted_and_every_doc_read(listener_folder: Path) -> None:
    for number, path in enumerate(DOCS):
        if number == 2:  # the listener and its LibreOffice are killed mid-batch
            listener = recorded(listener_folder)
            assert listener is not None and listener.alive()
            os.killpg(listener.pid, signal.SIGKILL)
            before = starts(listener_folder)
        assert_read_by_libreoffice(parse_bytes(path.read_bytes(), path.name), path)
    assert len(set(starts(listener_folder))) == len(before) + 1


@needs_listener
def test_archive_load_children_share_one_listener_stopped_at_the_end(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    shas = {store.put(path.read_bytes()): path for path in DOCS}
    listeners, results, before = set(), [], os.environ.get(FOLDER_ENV)
    for result in parse_archived(tmp_path, list(shas), workers=2):
        # the parent names the run's folder while the parse runs: its children started one listener
        listeners.add(recorded(Path(os.environ[FOLDER_ENV])))
        results.append(result)
    assert len(results) == len(DOCS)
    for result in results:
        assert_read_by_libreoffice(result, shas[result.path])
    [listener] = listeners - {None}
    assert not listener.alive()  # stopped with the run
    assert os.environ.get(FOLDER_ENV) == before

def test_antiword_fallback_says_it_lost_merged_cells(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without LibreOffice the DOC is read by antiword, whose table lines lose merged cells: the
    result must say so, not pass the flattened tables off as whole."""
    antiword = shutil.which("antiword")
    if antiword is None:
        pytest.skip("antiword is not installed")
    (tmp_path / "antiword").symlink_to(antiword)
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice here
    monkeypatch.setenv(UNOSERVER_ENV, "off")
    result = parse_bytes(DOCS[0].read_bytes(), DOCS[0].name)
    assert (result.carrier, result.method) == ("doc", "text")
    assert any("LibreOffice" in error for error in result.errors)
    [loss] = [error for error in result.errors if "antiword lost" in error]
    assert "merged cells" in loss and not loss.startswith("antiword lost table structure: 0 ")
