"""The OCR fixture corpus: seeds, variants, golden facts, and each file parsed once per session."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from harvester.parse import parse_bytes
from harvester.parse.model import ParseResult

REPORTS = Path(__file__).resolve().parent.parent / "fixtures" / "reports"
VARIANTS = ("scan", "rotated", "noisy", "badfont", "unruled")


def seeds() -> list[str]:
    return sorted(d.name for d in REPORTS.iterdir() if (d / f"{d.name}.scan.pdf").exists())


def fixture_path(seed: str, suffix: str) -> Path:
    return REPORTS / seed / f"{seed}.{suffix}"


def golden(seed: str) -> dict:
    return json.loads((REPORTS / seed / "expected.json").read_text(encoding="utf-8"))


@functools.cache
def parsed(seed: str, suffix: str) -> ParseResult:
    """A fixture parsed once per session (OCR is slow; tests only read the result)."""
    path = fixture_path(seed, suffix)
    return parse_bytes(path.read_bytes(), path.name)
