"""The replica portal itself: ground truth served as promised, HTTP behaviours the crawl tests rely on."""

from __future__ import annotations

import io
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pypdfium2 as pdfium
from PIL import Image

from harvester.portal import Portal
from harvester.portal.reports import DEFAULT_ROOT


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of a GET (HTTP errors included, redirects not followed)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_report_files_are_the_fixture_files(fresh_portal: Portal) -> None:
    files = [r for r in fresh_portal.reports if r.carrier not in ("html", "gbk.html", "images")]
    assert {r.carrier for r in files} == {"pdf", "docx", "doc"}
    for report in files:
        status, _, body = get(report.url)
        fixture = DEFAULT_ROOT / report.seed / f"{report.seed}.{report.carrier}"
        assert status == 200 and body == fixture.read_bytes(), report


def test_a_picture_report_shows_every_page_of_its_seed_as_a_jpeg(fresh_portal: Portal) -> None:
    [report] = [r for r in fresh_portal.reports if r.carrier == "images"]
    status, _, page = get(report.url)
    pdf = pdfium.PdfDocument(DEFAULT_ROOT / report.seed / f"{report.seed}.pdf")
    assert status == 200 and "（图片版）".encode() in page
    assert len(fresh_portal.page_pictures[report.url]) == len(pdf)
    for url in fresh_portal.page_pictures[report.url]:
        status, headers, body = get(url)
        assert status == 200 and headers["Content-Type"] == "image/jpeg"
        assert urlsplit(url).path.rsplit("/", 1)[1].encode() in page
        assert Image.open(io.BytesIO(body)).size[0] >= 1200  # A4 at 150 dpi


def test_gbk_article_is_gbk(fresh_portal: Portal) -> None:
    [report] = [r for r in fresh_portal.reports if r.carrier == "gbk.html"]
    status, headers, body = get(report.url)
    assert headers["Content-Type"] == "text/html; charset=gbk"
    assert "本溪市科学技术局" in body.decode("gbk")


def test_http_behaviours(fresh_portal: Portal) -> None:
    column = fresh_portal.absolute("/zwgk/zfxxgknb/index.html")
    status, headers, _ = get(column)
    assert status == 200
    assert get(column, {"If-None-Match": headers["ETag"]})[0] == 304
    assert get(column, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert get(fresh_portal.absolute("/zwgk/zfxxgknb/index_1.html"))[0] == 500  # once, then it recovers
    assert get(fresh_portal.absolute("/zwgk/zfxxgknb/index_1.html"))[0] == 200
    status, headers, _ = get(fresh_portal.absolute("/zwgk/zfxxgknb/202004/t20200410_500002.html"))
    assert status == 301 and headers["Location"].endswith("/t20200410_500003.html")
    assert b"Disallow: /zwgk/zfxxgknb/ngg/" in get(fresh_portal.absolute("/robots.txt"))[2]


def test_run_time_changes(fresh_portal: Portal) -> None:
    column = fresh_portal.columns["trs"]
    _, headers, _ = get(column)
    added = fresh_portal.add_report("000_c6cf585c495c9a5f")
    status, _, body = get(column)
    assert status == 200 and added.rsplit("/", 1)[1].encode() in body  # listed first
    assert get(column, {"If-None-Match": headers["ETag"]})[0] == 200  # the list changed
    fresh_portal.break_column()
    assert get(column)[0] == 404 and get(fresh_portal.absolute("/zwgk/zfxxgknb/index_2.html"))[0] == 404


def test_generated_column_has_the_pages_asked_for(fresh_portal: Portal) -> None:
    start = fresh_portal.generate_large(50)
    status, _, body = get(start)
    assert status == 200 and b'createPageHTML(3, 0, "index", "html")' in body  # 47 articles, 20 a page
    assert get(fresh_portal.absolute("/big/zwgk/zfxxgknb/202101/t20210101_46.html"))[0] == 200
    assert get(fresh_portal.absolute("/big/zwgk/zfxxgknb/202101/t20210101_47.html"))[0] == 404
