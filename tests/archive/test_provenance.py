"""Text taken from requests and responses: announced file names stay text, kinds and sites fall back sanely."""

from __future__ import annotations

import pytest
from scrapy import Request, Spider
from scrapy.http import Headers, HtmlResponse, Response

from harvester.crawl.provenance import disposition_filename, header_map, header_pairs, kind_of, site_of, title_of


@pytest.mark.parametrize(
    ("header", "name"),
    [
        (b"attachment; filename*=UTF-8''2023%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A.pdf", "2023年度报告.pdf"),
        ('attachment; filename="2023年度报告.docx"'.encode("gbk"), "2023年度报告.docx"),
        ('attachment; filename="年报.pdf"'.encode(), "年报.pdf"),
        (b'attachment; filename="../../../etc/passwd"', "../../../etc/passwd"),
        (b"attachment; filename*=bogus-charset''a%20b.pdf", "a b.pdf"),
        (b"inline", None),
        (None, None),
    ],
)
def test_disposition_filename(header: bytes | None, name: str | None) -> None:
    assert disposition_filename(header) == name


def test_kinds_and_sites_fall_back() -> None:
    spider = Spider(name="discovery")
    declared = Request("http://x.test/a.pdf", meta={"harvester": {"kind": "attachment", "site": "kjj_shenyang"}})
    assert (kind_of(declared), site_of(declared, spider)) == ("attachment", "kjj_shenyang")
    robots = Request("http://x.test/robots.txt")
    assert (kind_of(robots), site_of(robots, spider)) == ("robots", "discovery")
    assert kind_of(Request("http://x.test/", meta={"harvester": {"kind": "../evil"}})) == "other"


def test_titles_from_html_meta_or_file_name() -> None:
    request = Request("http://x.test/t.html")
    html = HtmlResponse("http://x.test/t.html", body="<title> 2023年\n报告 </title>".encode(), encoding="utf-8")
    assert title_of(request, html) == "2023年 报告"
    declared = Request("http://x.test/t.html", meta={"harvester": {"title": "链接标题"}})
    assert title_of(declared, html) == "链接标题"
    pdf = Response("http://x.test/f", headers={"Content-Disposition": b'attachment; filename="r.pdf"'}, body=b"%PDF")
    assert title_of(request, pdf) == "r.pdf"


def test_header_pairs_drop_wire_headers() -> None:
    headers = Headers({"Content-Encoding": "gzip", "ETag": '"1"', "Set-Cookie": ["a=1", "b=2"]})
    assert header_pairs(header_map(headers), skip={"content-encoding"}) == [("Etag", '"1"'), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]
