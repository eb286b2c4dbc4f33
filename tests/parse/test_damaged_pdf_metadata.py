"""A PDF whose document information cannot be decoded (a title with an unpaired UTF-16 surrogate, as a
flipped byte or a careless producer leaves it) is read whole: the metadata is dropped, never the report."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pikepdf

from harvester.parse import parse_bytes

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "real" / "jiangsu_huaian_city_2024"


def with_title(data: bytes, raw_title: bytes) -> bytes:
    """The PDF with its /Title set to `raw_title`, bytes as the file stores them."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.docinfo["/Title"] = pikepdf.String(raw_title)
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def test_an_undecodable_title_leaves_the_report_whole() -> None:
    data = (REAL / "source.pdf").read_bytes()
    truth = json.loads((REAL / "truth.json").read_text(encoding="utf-8"))["cells"]
    damaged = with_title(data, b"\xfe\xff\xd8\x00\x00A")  # UTF-16BE: a high surrogate with no low one
    result = parse_bytes(damaged, "damaged-title.pdf")
    assert result.kind == "report", result.errors
    assert result.facts == {key: truth[key] for key in result.facts} and len(result.facts) == len(truth)
    assert any("title" in error and "cannot be decoded" in error for error in result.errors), result.errors
