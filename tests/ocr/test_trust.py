"""Per-page trust decisions: sound text layers are kept without rendering, broken ones go to OCR."""

from __future__ import annotations

import pytest

from harvester.parse.carriers import pdf as pdf_carrier
from harvester.parse.ocr import refine_pdf
from harvester.parse.ocr.document import judge_pages
from harvester.parse.ocr.trust import PageStats, judge
from ocr_corpus import fixture_path, seeds

PROSE = "本年度报告根据《中华人民共和国政府信息公开条例》要求编制，全文包括总体情况、主动公开政府信息情况等六部分。"


@pytest.mark.parametrize(("stats", "decision", "reason"), [
    (PageStats(PROSE), "text-layer", "text layer looks sound"),
    (PageStats("(cid:123)(cid:77)(cid:9)" * 10 + PROSE[:10]), "ocr", "(cid:N) tokens"),
    (PageStats("\ue001\ue002\ue003\ue004" * 10 + PROSE[:20]), "ocr", "private-use"),
    (PageStats("\ufffd" * 20 + PROSE), "ocr", "U+FFFD"),
    (PageStats("".join(ch * 2 for ch in PROSE)), "ocr", "doubled glyphs"),
    (PageStats("ÉòÑôÊÐ¿Æ¼¼¾ÖÕþ¸®ÐÅÏ¢¹«¿ª¹¤×÷Äê¶È±¨¸æ" * 2), "ocr", "not Chinese"),
    (PageStats("丟丠両丣丨丩丮丯丱丳丵丷丼乀乁乂乄乆乊乑乕乗乚乛乢乣乤乥乧乨" * 2), "ocr", "GB2312"),
    (PageStats("", image_share=0.97), "ocr", "page is an image"),
    (PageStats("", paths=2000), "ocr", "outlines"),
    (PageStats(""), "text-layer", "blank page"),
    (PageStats("- 3 -"), "text-layer", "no page image"),
])
def test_judge(stats: PageStats, decision: str, reason: str) -> None:
    verdict = judge(1, stats)
    assert verdict.decision == decision
    assert any(reason in r for r in verdict.reasons), verdict.reasons


def test_numbers_only_table_page_is_trusted() -> None:
    table = "行政许可 4138 -675 3463 " + "0 " * 200
    assert judge(1, PageStats(table)).decision == "text-layer"


@pytest.mark.parametrize("seed", seeds())
def test_good_pdf_is_left_alone(seed: str) -> None:
    data = fixture_path(seed, "pdf").read_bytes()
    before = pdf_carrier.extract(data)
    blocks = list(before.blocks)
    after = refine_pdf(data, before)
    assert after.method == "text-layer" and after.blocks == blocks
    assert after.page_notes and all(n["decision"] == "text-layer" and "ocr" not in n for n in after.page_notes)


@pytest.mark.parametrize("variant", ["scan", "badfont"])
def test_bad_pages_are_sent_to_ocr_with_reasons(variant: str) -> None:
    seed = seeds()[0]
    data = fixture_path(seed, f"{variant}.pdf").read_bytes()
    extract = pdf_carrier.extract(data)
    verdicts = judge_pages(data, extract)
    assert verdicts and all(v.decision == "ocr" for v in verdicts)
    expected = "page is an image" if variant == "scan" else "private-use"
    assert all(any(expected in r for r in v.reasons) for v in verdicts), verdicts
