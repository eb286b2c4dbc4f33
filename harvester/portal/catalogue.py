"""What the replica portal serves, and the ground truth a crawl is judged against."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from harvester.portal import pages
from harvester.portal.pages import Attachment, Entry
from harvester.portal.reports import CONTENT_TYPES, SEED_STEMS, ReportSource, report_source
from harvester.portal.sites import Column, JsonColumn, Resource, TrsColumn, html_resource

TRS_COLUMN = "/zwgk/zfxxgknb/"
JSON_COLUMN = "/cysz/xxgk/zfxxgknb/"
LARGE_COLUMN = "/big/zwgk/zfxxgknb/"
ROBOTS_DISALLOWED = "/zwgk/zfxxgknb/ngg/"
ROBOTS_TXT = f"User-agent: *\nDisallow: {ROBOTS_DISALLOWED}\n"
LOGO = "/images/logo.png"
# A 1x1 grey PNG: the logo's pixels never matter, only that a crawl leaves it alone.
LOGO_PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010800000000"
                         "3a7e9b550000000a49444154789c6368000000820081dd43af0000000049454e44ae426082")
OFFSITE_DECOY = "http://www.gov.cn.invalid/zhengce/2021-05/14/content_5606446.htm"


@dataclass(frozen=True)
class GroundTruth:
    """A report a crawl must find: its URL path (or absolute URL), seed stem and carrier (html, gbk.html, pdf, ...)."""

    url: str
    seed: str
    carrier: str


@dataclass
class Catalogue:
    """Static resources, list columns and dynamic resolvers, plus the reports and decoys they contain."""

    root: Path | None = None
    resources: dict[str, Resource] = field(default_factory=dict)
    columns: dict[str, Column] = field(default_factory=dict)
    reports: list[GroundTruth] = field(default_factory=list)
    non_reports: list[str] = field(default_factory=list)
    # 图片版 article URL -> its pictures, in page order
    page_pictures: dict[str, list[str]] = field(default_factory=dict)
    flaky: dict[str, int] = field(default_factory=dict)
    throttled: dict[str, int] = field(default_factory=dict)
    large: "LargeArticles | None" = None
    _next_docid: int = 700000

    def get(self, path: str, query: str = "") -> Resource | None:
        """The resource at `path` (+ query), or None (404)."""
        if path in self.resources:
            return self.resources[path]
        for column in self.columns.values():
            found = column.get(path, query)
            if found is not None:
                return found
        return self.large.get(path) if self.large else None

    def source(self, stem: str) -> ReportSource:
        """The seed report files for `stem`."""
        return report_source(stem, self.root)

    def publish(self, column: Column | None, entry: Entry, resource: Resource) -> None:
        """Serve `resource` at the entry's URL and list the entry (when a column is given)."""
        self.resources[entry.url] = resource
        if column is not None:
            column.entries.append(entry)

    def publish_report(
        self, column: Column | None, url: str, stem: str, carrier: str, date: str, charset: str = "utf-8", **options
    ) -> Entry:
        """An article for seed `stem`: inline (carrier html/gbk.html), as pictures in the page (images),
        or carrying the file as a TRS-style attachment."""
        source = self.source(stem)
        charset = "gbk" if carrier == "gbk.html" else charset
        attachments: list[Attachment] = []
        if carrier in ("html", "gbk.html"):
            content = source.inline_body(carrier)
            self.reports.append(GroundTruth(url, stem, carrier))
        elif carrier == "images":
            content = self._publish_pictures(url, source.pictures(), date)
            self.reports.append(GroundTruth(url, stem, carrier))
        else:
            content = f"<p>{source.title()}全文见附件。</p>"
            folder = url.rsplit("/", 1)[0]
            name = f"P0{date.replace('-', '')}{self._docid():012d}.{carrier}"
            href = options.pop("attachment_href", None) or f"./{name}"
            file_url = href if href.startswith("/") else f"{folder}/{name}"
            self.resources[file_url] = Resource(source.file_bytes(carrier), CONTENT_TYPES[carrier])
            self.reports.append(GroundTruth(file_url, stem, carrier))
            attachments.append(Attachment(href, f"{source.title()}.{carrier}"))
        title = source.title() + ("（图片版）" if carrier == "images" else "")
        markup = pages.article_page(title, date, _agency(title), content, attachments, charset)
        entry = Entry(title, url, date)
        self.publish(column, entry, html_resource(markup, charset, **options))
        return entry

    def _publish_pictures(self, url: str, pictures: list[bytes], date: str) -> str:
        """Serve the pages of the 图片版 at `url` as TRS-style W0... pictures beside it; returns the
        article body showing them (after the agency logo, which is chrome and must not be fetched)."""
        self.resources[LOGO] = Resource(LOGO_PNG, "image/png")
        if LOGO not in self.non_reports:
            self.non_reports.append(LOGO)
        tags = [f'<p><img src="{LOGO}" width="120" height="40" alt="logo" /></p>']
        stamp = f"W0{date.replace('-', '')}{self._docid():012d}"
        folder = url.rsplit("/", 1)[0]
        self.page_pictures[url] = []
        for number, picture in enumerate(pictures, 1):
            name = f"{stamp}_{number}.jpg"
            self.resources[f"{folder}/{name}"] = Resource(picture, CONTENT_TYPES["jpg"])
            self.page_pictures[url].append(f"{folder}/{name}")
            tags.append(f'<p style="text-align:center"><img src="./{name}" alt="" /></p>')
        return "\n".join(tags)

    def publish_decoy(self, column: Column | None, title: str, url: str, date: str) -> Entry:
        """A non-report page (news, guide, rules) that a crawl must not fetch."""
        entry = Entry(title, url, date)
        self.publish(column, entry, html_resource(pages.simple_page(title, [f"{title}（{date}）"])))
        self.non_reports.append(url)
        return entry

    def add_report(self, stem: str, carrier: str = "html", column_path: str = TRS_COLUMN) -> str:
        """Publish a new article at the top of a TRS column at run time; returns the report's URL path."""
        column = self.columns[column_path]
        docid = self._docid()
        url = f"{column_path}202602/t20260130_{docid}.html"
        before = len(column.entries)
        self.publish_report(column, url, stem, carrier, "2026-01-30")
        column.add(column.entries.pop(before))
        return self.reports[-1].url

    def _docid(self) -> int:
        """A fresh TRS-style document id."""
        self._next_docid += 1
        return self._next_docid


def _agency(title: str) -> str:
    """The publishing agency named at the start of a report title (up to 局/委/府/办)."""
    match = re.match(r"(.+?(?:局|委员会|委|政府|办公室))", title)
    return match.group(1) if match else "示例市人民政府"


class LargeArticles:
    """Thousands of generated report articles for benchmarks, rendered on request to keep memory flat."""

    def __init__(self, column: TrsColumn, text: str, count: int) -> None:
        self.column = column
        self.text = text
        self.pattern = re.compile(re.escape(column.path) + r"202101/t20210101_(\d+)\.html")
        column.entries.extend(
            Entry(f"示例单位{i}2020年政府信息公开工作年度报告", f"{column.path}202101/t20210101_{i}.html", "2021-01-01")
            for i in range(count)
        )

    def get(self, path: str) -> Resource | None:
        """The generated article at `path`, if it is one."""
        match = self.pattern.fullmatch(path)
        if not match or int(match.group(1)) >= len(self.column.entries):
            return None
        number = match.group(1)
        title = f"示例单位{number}2020年政府信息公开工作年度报告"
        content = "".join(f"<p>{line}</p>" for line in self.text.splitlines() if line.strip())
        return html_resource(pages.article_page(title, "2021-01-01", f"示例单位{number}", content, [], "utf-8"))


def build_demo(root: Path | None = None) -> Catalogue:
    """The demo layout: a UTF-8 TRS site and a GBK site whose list is drawn by JavaScript, five seed
    reports (one of them also as a 图片版 page of pictures)."""
    cat = Catalogue(root=root)
    s000, s001, s002, s003, s004 = SEED_STEMS
    trs = TrsColumn(TRS_COLUMN, "政府信息公开年报", [], per_page=4)
    year = TrsColumn(TRS_COLUMN + "2019n/", "2019年", [], per_page=4)
    trs.subcolumns = [Entry("2019年", "2019n/index.html", "")]
    js = JsonColumn(JSON_COLUMN, "政府信息公开年报", [], per_page=2, api="/cysz/api/list")
    cat.columns = {c.path: c for c in (trs, year, js)}

    cat.publish_report(year, f"{year.path}202001/t20200120_400001.html", s000, "html", "2020-01-20")
    # The same report also posted as pictures (图片版), as many agencies do: read by OCR.
    cat.publish_report(year, f"{year.path}202001/t20200120_400002.html", s000, "images", "2020-01-20")
    hidden = Entry("2021年度政府信息公开工作年度报告（征求意见稿）", f"{ROBOTS_DISALLOWED}202201/t20220110_900001.html", "")
    cat.publish(trs, hidden, html_resource(pages.simple_page(hidden.title, ["内部稿"])))
    cat.non_reports.append(hidden.url)
    cat.publish_report(trs, f"{TRS_COLUMN}202101/t20210129_123456.html", s002, "pdf", "2021-01-29", delay=2.0)
    cat.publish_decoy(trs, "市科技局召开2021年全市科技工作会议", "/zwgk/gzdt/202101/t20210115_200001.html", "2021-01-15")
    cat.publish_decoy(trs, "沈阳市科学技术局政府信息公开指南（2021年修订）", "/zwgk/zfxxgkzn/202101/t20210105_300001.html", "2021-01-05")
    trs.entries.append(Entry("国务院办公厅2020年政府信息公开工作年度报告", OFFSITE_DECOY, "2021-05-14"))
    cat.non_reports.append(OFFSITE_DECOY)
    moved = cat.publish_report(None, f"{TRS_COLUMN}202004/t20200410_500003.html", s003, "docx", "2020-04-10")
    old_url = f"{TRS_COLUMN}202004/t20200410_500002.html"
    cat.resources[old_url] = Resource(b"", status=301, location=moved.url)
    trs.entries.append(Entry(moved.title, old_url, moved.date))
    trs.entries.append(Entry("2020年度报告（打印版）", "javascript:void(0)", ""))
    trs.entries.append(Entry("2018年度政府信息公开工作年度报告", f"{TRS_COLUMN}201903/t20190328_404404.html", "2019-03-28"))
    cat.publish_decoy(trs, "沈阳市科学技术局政府信息公开制度（2019年）", "/zwgk/zfxxgkzd/201905/t20190515_300002.html", "2019-05-15")
    cat.publish_decoy(trs, "2020年科技成果转化项目公示", "/zwgk/gzdt/202012/t20201201_200002.html", "2020-12-01")
    cat.flaky[f"{TRS_COLUMN}index_1.html"] = 1

    cat.publish_report(js, "/cysz/html/CYSZF/202501/0173732640012345.html", s004, "doc", "2025-01-20", "gbk",
                       attachment_href="/cysz/uploadfiles/202501/P020250120093011123.doc")
    cat.publish_decoy(js, "朝阳市科技局开展2024年科技活动周", "/cysz/html/CYSZF/202405/0171500000000001.html", "2024-05-20")
    cat.publish_report(js, "/cysz/html/CYSZF/202101/0161112345678901.html", s001, "gbk.html", "2021-01-25")
    cat.publish_decoy(js, "朝阳市科学技术局政府信息公开指南", "/cysz/html/CYSZF/202001/0157800000000002.html", "2020-01-10")

    cat.resources["/robots.txt"] = Resource(ROBOTS_TXT.encode(), "text/plain; charset=utf-8")
    home = [Entry("政府信息公开年报", f"{TRS_COLUMN}index.html", ""), Entry("信息公开年报", f"{JSON_COLUMN}index.html", "")]
    for path in ("/", "/index.html"):
        cat.resources[path] = html_resource(pages.simple_page("示例市人民政府", ["欢迎访问"], home))
    return cat


def add_large(cat: Catalogue, n_pages: int) -> str:
    """Add a TRS column of about `n_pages` pages (20 articles per list page); returns its path."""
    column = TrsColumn(LARGE_COLUMN, "政府信息公开年报", [], per_page=20)
    cat.columns[column.path] = column
    cat.large = LargeArticles(column, cat.source(SEED_STEMS[0]).text(), max(1, n_pages * 20 // 21))
    return column.path
