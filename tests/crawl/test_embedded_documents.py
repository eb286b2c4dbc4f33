"""Report pages that show their file instead of linking it: an <iframe>, <embed> or <object> of the
PDF, a PDF.js viewer naming it in ?file=, a button whose onclick opens it. Each such file is the
report's carrier and is archived as an attachment; one embedded from another host is never asked."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote, urljoin

import pytest
from parsel import Selector

from harvester.crawl.embedded import embedded_documents
from harvester.crawl.runner import LOOPBACK_SETTINGS, crawl
from real_cms import PDF, RealCms, Served

FOLDER = "/zwgk/zfxxgknb/"
# How portals show a report's file on its page, each with the file's own path on the site.
SHOWN = {
    "iframe": ('<iframe src="/uploads/2024/a.pdf" width="100%"></iframe>', "/uploads/2024/a.pdf"),
    "embed": ('<embed src="../upload/b.pdf" type="application/pdf">', "/zwgk/zfxxgknb/upload/b.pdf"),
    "object": ('<object data="/files/c.pdf" type="application/pdf"></object>', "/files/c.pdf"),
    "viewer-iframe": ('<iframe src="/static/pdfjs/web/viewer.html?file=/uploads/2024/d.pdf"></iframe>',
                      "/uploads/2024/d.pdf"),
    "viewer-link": (f'<a href="/js/pdfjs/web/viewer.html?file={quote("/uploads/2024/e年报.pdf", safe="")}">查看</a>',
                    "/uploads/2024/e年报.pdf"),
    "onclick-open": ("<a href=\"javascript:void(0)\" onclick=\"window.open('/uploads/f.docx')\">下载附件</a>",
                     "/uploads/f.docx"),
    "onclick-location": ("<button onclick=\"location.href='/module/download/downfile.jsp?filename=g.pdf'\">下载"
                         "</button>", "/module/download/downfile.jsp?filename=g.pdf"),
}


def page(body: str) -> Selector:
    return Selector(text=f"<html><body>{body}</body></html>")


def join(href: str) -> str:
    return urljoin(f"http://127.0.0.1:8000{FOLDER}202401/t20240120_1.html", href)


@pytest.mark.parametrize("way", SHOWN, ids=str)
def test_a_file_shown_on_the_page_is_found(way: str) -> None:
    markup, path = SHOWN[way]
    found = embedded_documents(page(f"<p>报告全文如下：</p>{markup}"), join)
    assert [link.url for link in found] == [join(path)]


def test_pictures_scripts_styles_and_pages_shown_are_not_documents() -> None:
    markup = ('<iframe src="/video/player.html"></iframe><embed src="/flash/banner.swf">'
              '<object data="/img/logo.svg"></object><a onclick="window.open(\'/zwgk/index.html\')">首页</a>'
              '<iframe src="/pdfjs/web/viewer.html"></iframe><a href="javascript:share()">分享</a>')
    assert embedded_documents(page(markup), join) == []


def query(archive: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(f"file:{archive / 'archive.db'}?mode=ro", uri=True) as conn:
        return conn.execute(sql).fetchall()


def test_a_crawl_archives_every_file_a_report_page_shows_and_none_of_another_host(tmp_path: Path) -> None:
    cms, other = RealCms().start(), RealCms().start()
    try:
        items = []
        for number, (way, (markup, path)) in enumerate(SHOWN.items()):
            article = f"{FOLDER}202401/t2024012{number}_{number}.html"
            year = 2010 + number
            cms.html(article, f"{year}年度政府信息公开工作年度报告",
                     f"<h1>{year}年度政府信息公开工作年度报告</h1><p>报告全文如下。</p>{markup}")
            cms.routes[path.replace("e年报", quote("e年报"))] = Served(PDF, "application/pdf")
            cms.reports.append(cms.absolute(path))
            items.append(f'<li><a href="{article}">{year}年度政府信息公开工作年度报告</a></li>')
        foreign = f"{FOLDER}202402/t20240201_9.html"
        cms.html(foreign, "2009年度政府信息公开工作年度报告",
                 f'<h1>2009年度政府信息公开工作年度报告</h1><iframe src="{other.absolute("/x/h.pdf")}"></iframe>')
        other.routes["/x/h.pdf"] = Served(PDF, "application/pdf")
        items.append(f'<li><a href="{foreign}">2009年度政府信息公开工作年度报告</a></li>')
        cms.html(FOLDER + "index.html", "政府信息公开年报", f"<ul>{''.join(items)}</ul>")

        archive = tmp_path / "archive"
        summary = crawl(url=cms.absolute(FOLDER + "index.html"), archive=archive, settings=LOOPBACK_SETTINGS,
                        timeout=120)
    finally:
        cms.stop()
        other.stop()
    assert summary["status"] == "finished", summary
    attachments = {url for (url,) in query(archive, "SELECT url FROM documents WHERE kind = 'attachment'")}
    shown = {cms.absolute(path.replace("e年报", quote("e年报"))) for _, path in SHOWN.values()}
    assert attachments == shown
    assert other.arrivals == []
