"""Recognisers of challenge pages, rate limits and soft 404s, on bodies shaped like the real ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive_samples import CLOUD_SHIELD_GBK, JIASULE_521, RUISHU_412, SOFT404_GBK, SOFT404_NUMBER, WZWS_200

from harvester.crawl.blocks import classify

SEEDS = Path("/work/shared/seeds")


def seed_page(index: int, extra: str = "") -> bytes:
    """A real report as an HTML article page (long visible text)."""
    text = sorted(SEEDS.glob("*.txt"))[index].read_text(encoding="utf-8")
    paragraphs = "".join(f"<p>{line}</p>" for line in text.splitlines() if line.strip())
    return f"<html><head><title>年度报告</title></head><body>{paragraphs}{extra}</body></html>".encode()


@pytest.mark.parametrize(
    ("status", "body", "content_type", "outcome", "reason"),
    [
        (412, RUISHU_412, "text/html", "blocked", "challenge (412): $_ts"),
        (521, JIASULE_521, "text/html", "blocked", "challenge (521)"),
        (200, WZWS_200, "text/html", "blocked", "challenge page: wzwsquestion"),
        (200, CLOUD_SHIELD_GBK, "text/html; charset=gbk", "blocked", "challenge page: 云防护"),
        (429, b"Too Many Requests", "text/plain", "blocked", "rate limited (429)"),
        (403, b"<html><body>403 Forbidden</body></html>", None, "blocked", "forbidden (403)"),
        (200, SOFT404_GBK, "text/html", "soft404", "page says 页面不存在"),
        (200, SOFT404_NUMBER, None, "soft404", "page says 404"),
        # the words in another case, a tag and a line break between them
        (200, b"<html><body><h1>Page NOT<br>\n FOUND</h1></body></html>", "text/html", "soft404", "page says not found"),
    ],
)
def test_not_content(status: int, body: bytes, content_type: str | None, outcome: str, reason: str) -> None:
    verdict = classify(status, body, content_type)
    assert verdict is not None
    assert (verdict.outcome, verdict.reason) == (outcome, reason)


@pytest.mark.parametrize("index", range(5))
def test_real_reports_are_content(index: int) -> None:
    assert classify(200, seed_page(index), "text/html") is None


def test_report_that_mentions_challenge_words_and_404_is_content() -> None:
    body = seed_page(0, "<p>全年办理依申请公开404件，开展网站安全验证，未出现访问异常。页面不存在问题已整改。</p>")
    assert classify(200, body, "text/html; charset=utf-8") is None


def test_binary_attachment_is_never_a_challenge() -> None:
    pdf = b"%PDF-1.7\n" + "$_ts 页面不存在".encode() + b"\x00\x01" * 100
    assert classify(200, pdf, "application/pdf") is None
    assert classify(200, pdf, None) is None


def test_ordinary_errors_are_left_to_the_caller() -> None:
    assert classify(404, b"<html><body>Not Found</body></html>", "text/html") is None
    assert classify(500, b"oops", "text/plain") is None
