"""A PDF cut short yields the pages it still has, every value read as printed, and says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harvester.parse import parse_bytes

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REAL = FIXTURES / "real" / "jiangsu_huaian_city_2024"


@pytest.mark.parametrize("share", [0.9, 0.99])
def test_a_real_pdf_cut_short_gives_the_pages_it_still_has(share: float) -> None:
    data = (REAL / "source.pdf").read_bytes()
    truth = json.loads((REAL / "truth.json").read_text(encoding="utf-8"))["cells"]
    result = parse_bytes(data[:int(len(data) * share)], "cut.pdf")
    assert result.kind == "report", result.errors
    assert result.facts, "the whole pages before the cut are read"
    assert {k: truth[k] for k in result.facts} == result.facts
    assert len(result.page_notes) < 6 or len(result.facts) == len(truth)
    assert any("damaged PDF" in e and "rebuilt" in e for e in result.errors), result.errors


def test_a_libreoffice_pdf_cut_before_its_trailer_is_read_whole() -> None:
    seed = next(p for p in sorted((FIXTURES / "reports").iterdir()) if p.is_dir())
    expected = json.loads((seed / "expected.json").read_text(encoding="utf-8"))["facts"]
    data = (seed / f"{seed.name}.pdf").read_bytes()
    result = parse_bytes(data[:data.rindex(b"xref")], "cut.pdf")
    assert result.facts == expected


def test_a_pdf_cut_before_any_whole_page_is_unreadable_and_says_why() -> None:
    data = (REAL / "source.pdf").read_bytes()
    result = parse_bytes(data[:2000], "cut.pdf")
    assert result.kind in ("unreadable", "not_report")
    assert any("PDF" in e for e in result.errors), result.errors
