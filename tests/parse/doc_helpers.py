"""What the DOC listener tests share: the fixture DOCs, how a DOC read through LibreOffice looks,
and how a pool's folder and processes are found and waited for."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import psutil
import pytest

from harvester.parse.converter import unoserver

REPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
DOCS = sorted(REPORTS.glob("*/*.doc"))

needs_listener = pytest.mark.skipif(unoserver() is None or shutil.which("soffice") is None,
                                    reason="unoserver (./run setup) and LibreOffice are needed")


def expected_facts(path: Path) -> dict:
    return json.loads((path.parent / "expected.json").read_text())["facts"]


def assert_read_by_libreoffice(result, path: Path) -> None:
    """Read through the DOCX route (the grid kept), with the seed's facts."""
    assert (result.kind, result.carrier, result.method) == ("report", "doc", "markup"), result.errors
    assert not [e for e in result.errors if "LibreOffice" in e]
    facts = expected_facts(path)
    assert facts and all(result.facts.get(key) == value for key, value in facts.items())


def pool_folders(tmp: Path) -> list[Path]:
    return sorted(tmp.glob("harvester_listener_*"))


def processes_using(folder: Path) -> list[psutil.Process]:
    """Live processes whose command line names the folder (unoserver, soffice: their profiles)."""
    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        cmdline = " ".join(process.info["cmdline"] or ())
        if str(folder) in cmdline and process.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(process)
    return found


def wait_for(condition, what: str, timeout: float = 180) -> None:
    """Block until condition() holds (the deadline only bounds a broken run)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)
