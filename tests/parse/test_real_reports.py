"""Real reports exactly as their agencies published them (tests/fixtures/real/): every cell
equals the hand-checked truth, and the report's template, year and agency are read."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from harvester.parse import parse_file as parse_uncached

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "real"


def real_reports() -> list[Path]:
    folders = sorted(p for p in REAL.iterdir() if (p / "truth.json").is_file())
    assert folders, f"no real reports under {REAL}"
    return folders


def source(folder: Path) -> Path:
    (path,) = folder.glob("source.*")
    return path


@functools.cache
def parse(folder: Path):
    return parse_uncached(source(folder))


def truth(folder: Path) -> dict:
    return json.loads((folder / "truth.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("folder", real_reports(), ids=lambda p: p.name)
def test_every_cell_equals_the_truth(folder: Path) -> None:
    expected = truth(folder)["cells"]
    assert len(expected) >= 100
    result = parse(folder)
    wrong = {k: (result.facts.get(k, "<missing>"), v) for k, v in expected.items()
             if result.facts.get(k, "<missing>") != v}
    assert not wrong, (f"{len(wrong)} of {len(expected)} cells differ (got, truth): "
                       f"{dict(list(wrong.items())[:12])}")
    extra = sorted(set(result.facts) - set(expected))
    assert not extra, f"facts the report does not print: {extra[:10]}"


@pytest.mark.parametrize("folder", real_reports(), ids=lambda p: p.name)
def test_template_year_and_agency(folder: Path) -> None:
    expected = truth(folder)
    result = parse(folder)
    assert result.kind == "report", result.errors
    assert (result.template, result.year, result.agency) == (
        expected["template"], expected["year"], expected["agency"])
