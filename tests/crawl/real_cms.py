"""A small replica of real government CMS behaviour, written from tests/../shared/portals.md, not from
the spider: a Hanweb/大汉 column paged by POST to dataproxy.jsp, a 政务公开 platform of .shtml pages with
a numbered pager, a 301 from its old address and downfile.jsp attachments, a TRS column in GBK whose
charset is only in <meta http-equiv> and whose pager is a script. It shares no code with harvester.

The server keeps every request's arrival time on its own clock (``arrivals``) and the status of
every answer (``answers``). Pages answered to a GET carry an ETag and Last-Modified and are answered
304 to a request that names them (a static server's behaviour); dataproxy.jsp answers carry none.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import yaml

LAST_MODIFIED = "Mon, 15 Jan 2024 08:00:00 GMT"
PDF = (Path(__file__).parents[2] / "harvester/portal/seeds/002_7f2f36b97c6d827f/002_7f2f36b97c6d827f.pdf").read_bytes()
EMPTY_DATASTORE = b"<datastore><nextgroup></nextgroup><recordset></recordset></datastore>"


@dataclass
class Served:
    """One resource: status, headers and body."""

    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Arrival:
    """A request as the server saw it: when (server clock), method, path with query, form body."""

    at: float
    method: str
    path: str
    body: str


class RealCms:
    """The replica: add sites with the builders below, then `start()`; `stop()` when done."""

    def __init__(self, robots: str = "User-agent: *\nDisallow: /admin/\n") -> None:
        self.routes: dict[str, Served] = {"/robots.txt": Served(robots.encode(), "text/plain")}
        self.posts: dict[str, Callable[[dict, dict], Served]] = {}  # path -> answer(query, form)
        self.pages: dict[str, Callable[[dict], Served]] = {}  # path -> answer(query) of a GET
        self.columns: dict[str, str] = {}  # family -> column start URL, filled by the test
        self.arrivals: list[Arrival] = []
        self.reports: list[str] = []  # absolute URLs the crawl must archive
        self.decoys: list[str] = []  # absolute URLs it must never request
        self.related: dict[str, str] = {}  # absolute URL of an interpretation (图解) -> its report's
        self.holds: dict[str, threading.Event] = {}  # path (with query) -> set when it may be answered
        self.watches: dict[str, threading.Event] = {}  # path -> set when a request for it arrives
        self.answers: list[tuple[str, str, int]] = []  # (method, path with query, status) in answer order
        self.slow: dict[str, float] = {}  # path (with query) -> seconds its GET takes to be answered
        self.answered: dict[str, float] = {}  # path (with query) -> when (server clock) its last answer was sent
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> RealCms:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def absolute(self, path: str) -> str:
        return self.url + path

    def hold(self, path: str) -> threading.Event:
        """Answer a GET of `path` (with its query) only once the returned event is set."""
        return self.holds.setdefault(path, threading.Event())

    def hold_until(self, path: str, other: str) -> None:
        """Answer a GET of `path` (with its query) only once a request for the path `other` has arrived."""
        self.watches[other] = self.hold(path)

    def _arrived(self, arrival: Arrival) -> None:
        self.arrivals.append(arrival)
        watched = self.watches.get(urlsplit(arrival.path).path)
        if watched is not None:
            watched.set()

    def requested(self, path: str, method: str = "GET") -> list[Arrival]:
        """Arrivals of `path` (with its query) by `method`."""
        return [a for a in self.arrivals if a.path == path and a.method == method]

    def html(self, path: str, title: str, body: str, charset: str = "utf-8", header_charset: bool = True) -> None:
        """An HTML page; `header_charset=False` leaves the charset to <meta http-equiv> alone."""
        page = (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
                f"<title>{title}</title></head><body>{body}</body></html>")
        content_type = f"text/html; charset={charset}" if header_charset else "text/html"
        self.routes[path] = Served(page.encode(charset), content_type)

    def report_page(self, path: str, title: str, extra: str = "", charset: str = "utf-8", **kw) -> None:
        """A report article page, long enough to be content."""
        text = f"<h1>{title}</h1><div class='TRS_Editor'>{'一、总体情况。本机关依法主动公开政府信息。' * 40}{extra}</div>"
        self.html(path, title, text, charset, **kw)
        self.reports.append(self.absolute(path))


def _handler(cms: RealCms) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            cms._arrived(Arrival(time.monotonic(), "GET", self.path, ""))
            if self.path in cms.holds:
                cms.holds[self.path].wait(timeout=120)
            time.sleep(cms.slow.get(self.path, 0.0))
            parts = urlsplit(self.path)
            answer = cms.pages.get(parts.path)
            served = answer(parse_qs(parts.query)) if answer else cms.routes.get(self.path) or cms.routes.get(parts.path)
            if served is not None and served.status == 200:
                served = self._conditional(served)
            self._send(served)

        def _conditional(self, served: Served) -> Served:
            """The page with its validators, or a 304 when the request names its current ETag."""
            etag = '"' + hashlib.sha256(served.body).hexdigest()[:16] + '"'
            validators = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
            if self.headers.get("If-None-Match") == etag:
                return Served(b"", served.content_type, 304, validators)
            return Served(served.body, served.content_type, served.status, {**served.headers, **validators})

        def do_POST(self) -> None:
            at = time.monotonic()
            length = int(self.headers.get("Content-Length") or 0)
            form = self.rfile.read(length).decode("utf-8", "replace")
            cms._arrived(Arrival(at, "POST", self.path, form))
            parts = urlsplit(self.path)
            answer = cms.posts.get(parts.path)
            self._send(answer(parse_qs(parts.query), parse_qs(form)) if answer else None)

        def _send(self, served: Served | None) -> None:
            served = served or Served("<html><body>404 Not Found</body></html>".encode(), status=404)
            cms.answers.append((self.command, self.path, served.status))
            self.send_response(served.status)
            self.send_header("Content-Type", served.content_type)
            self.send_header("Content-Length", str(len(served.body)))
            for name, value in served.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(served.body)
            self.wfile.flush()
            cms.answered[self.path] = time.monotonic()

    return Handler


# --- Hanweb / 大汉 JCMS ------------------------------------------------------------------------------

HANWEB_WEBID, HANWEB_WEBNAME = "33", "某市科学技术局"


def _hanweb_record(column: int, number: int, title: str) -> str:
    href = f"/art/2024/1/{number % 28 + 1}/art_{column}_{number}.html"
    shown = title if len(title) <= 18 else title[:16] + "..."
    return (f'<record><![CDATA[<li><a href="{href}" target="_blank" title="{title}">{shown}</a>'
            f"<span>2024-01-{number % 28 + 1:02d}</span></li>]]></record>")


def hanweb_column(cms: RealCms, column: int, unitid: int, total: int, reports: dict[int, str],
                  accepted_unitid: int | None = None, perpage: int = 15) -> str:
    """A /col/col{column}/index.html page: 3 pages of records embedded, the rest only through
    POST dataproxy.jsp (form fields checked; a wrong request gets an empty datastore). Returns its URL."""
    accepted = str(accepted_unitid or unitid)

    def title(number: int) -> str:
        return reports.get(number, f"科技工作动态第{number}期")

    def records(first: int, last: int) -> str:
        return "".join(_hanweb_record(column, n, title(n)) for n in range(first, min(last, total) + 1))

    for number, report_title in reports.items():
        cms.report_page(f"/art/2024/1/{number % 28 + 1}/art_{column}_{number}.html", report_title)
    nextgroup = (f'<a href="/module/web/jpage/dataproxy.jsp?page=1&webid={HANWEB_WEBID}&path=/&columnid={column}'
                 f'&unitid={unitid}&webname={quote(HANWEB_WEBNAME)}&permissiontype=0"></a>')
    page = (f'<div id="{unitid}"><script type="text/xml"><datastore><nextgroup><![CDATA[{nextgroup}]]></nextgroup>'
            f"<recordset>{records(1, 3 * perpage)}</recordset></datastore></script></div>"
            '<script src="/module/web/jpage/jpage.js"></script>'
            f"<script>$(document).ready(function(){{ $('#{unitid}').jpage({{ dataStore: dataStore, "
            f"proxyUrl: '/module/web/jpage/dataproxy.jsp', perPage: {perpage}, totalRecord: {total}, "
            f"groupSize: 3, barPosition: 'bottom', ajaxParam: {{col: 1, appid: 1, webid: {HANWEB_WEBID}, "
            f"path: '/', columnid: {column}, sourceContentType: 1, unitid: '{unitid}', "
            f"webname: '{HANWEB_WEBNAME}', permissiontype: 0}} }}); }});</script>")
    path = f"/col/col{column}/index.html"
    cms.html(path, "政府信息公开年报", page)
    previous = cms.posts.get("/module/web/jpage/dataproxy.jsp")

    def dataproxy(query: dict, form: dict) -> Served:
        one = {name: values[0] for name, values in form.items()}
        if one.get("columnid") != str(column):
            return previous(query, form) if previous else Served(EMPTY_DATASTORE, "text/xml;charset=utf-8")
        wanted = {"col": "1", "appid": "1", "webid": HANWEB_WEBID, "unitid": accepted, "permissiontype": "0"}
        try:
            first, last = int(query["startrecord"][0]), int(query["endrecord"][0])
        except (KeyError, ValueError):
            return Served(EMPTY_DATASTORE, "text/xml;charset=utf-8")
        if any(one.get(k) != v for k, v in wanted.items()):
            return Served(EMPTY_DATASTORE, "text/xml;charset=utf-8")
        body = f"<datastore><nextgroup></nextgroup><recordset>{records(first, last)}</recordset></datastore>"
        return Served(body.encode(), "text/xml;charset=utf-8")

    cms.posts["/module/web/jpage/dataproxy.jsp"] = dataproxy
    return cms.absolute(path)


# --- 政务公开 platform: .shtml, numbered pager, 301 from the old address, downfile.jsp -------------------

def platform_column(cms: RealCms, decoys: list[str]) -> str:
    """/xxgk/zfxxgknb/index.shtml + index_1/index_2.shtml; the old /zwgk/nb/ answers 301. Returns the OLD URL."""
    folder = "/xxgk/zfxxgknb/"
    names = ["index.shtml", "index_1.shtml", "index_2.shtml"]
    items: list[list[str]] = [[], [], []]
    for page, year in ((1, 2023), (2, 2022)):
        article = f"{folder}2024{page:02d}/t2024012{page}_{page}.shtml"
        download = f"/module/download/downfile.jsp?classid=0&filename=24012{page}1530{page}.pdf"
        cms.report_page(article, f"{year}年度政府信息公开工作年度报告",
                        f'<p>附件：<a href="{download}">{year}年度报告全文</a></p>')
        cms.routes[download] = Served(PDF, "application/octet-stream", headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(f'{year}年度报告.pdf')}"})
        cms.reports.append(cms.absolute(download))
        items[page].append(f'<li><a href="{article}">{year}年度政府信息公开工作年度报告</a><span>2024-01-2{page}</span></li>')
    cut = f"{folder}202401/t20240120_0.shtml"
    cms.report_page(cut, "2024年度政府信息公开工作年度报告")
    items[0].append(f'<li><a href="{cut}" title="2024年度政府信息公开工作年度报告">2024年度政府信息公开...</a></li>')
    graphic = f"{folder}202401/t20240125_8.shtml"
    cms.html(graphic, "图解", '<h1>图解</h1><img src="/xxgk/images/tj2024.png">')
    cms.related[cms.absolute(graphic)] = cms.absolute(cut)
    items[0].append(f'<li><a href="{graphic}">图解：2024年度政府信息公开工作年度报告</a></li>')
    for number, decoy in enumerate(decoys):
        path = f"{folder}202403/t2024030{number}_9{number}.shtml"
        cms.html(path, decoy, f"<h1>{decoy}</h1>" + "会议要求各单位认真编制年度报告。" * 40)
        cms.decoys.append(cms.absolute(path))
        items[0].append(f'<li><a href="{path}" title="{decoy}">{decoy}</a></li>')
    for index, name in enumerate(names):
        pager = "".join(f'<a href="{names[n]}">{n + 1}</a>' for n in range(3))
        if index + 1 < len(names):
            pager = f'<a href="{names[index + 1]}">下一页</a>' + pager + f'<a href="{names[-1]}">尾页</a>'
        items[index] += [f'<li><a href="{folder}2024/t{index}{n}.shtml">政务动态{index}{n}</a></li>' for n in range(8)]
        cms.html(folder + name, "政府信息公开年报", f"<ul class='list'>{''.join(items[index])}</ul><div class='page'>{pager}</div>")
    cms.routes["/zwgk/nb/"] = Served(b"", status=301, headers={"Location": cms.absolute(folder + names[0])})
    return cms.absolute("/zwgk/nb/")


# --- TRS WCM: GBK, charset only in <meta http-equiv>, pager written by createPageHTML -----------------------

def trs_column(cms: RealCms, pages: int = 3, folder: str = "/trs/zfxxgknb/", declared: int | None = None) -> str:
    """{folder}index.shtml ... index_{pages-1}.shtml, pager only in script, the report on the last page.

    `declared` (> pages) makes the script claim more pages than exist, as stale TRS counters do:
    the first one past the end is an empty list page (the template, no items), the next says
    页面不存在 (a soft 404, status 200), the rest are 404."""
    names = ["index.shtml"] + [f"index_{n}.shtml" for n in range(1, max(pages, declared or 0))]
    for index, name in enumerate(names):
        year = 2024 - index
        article = f"{folder}2025{index + 1:02d}/t2025011{index}_{index}.html"
        script = (f"var currentPage = {index};//所在页从0开始\nvar countPage = {declared or pages}//共多少页\n"
                  'createPageHTML(countPage, currentPage, "index", "shtml");')
        pager = f"<div class='page'><script>{script}</script></div>"
        chrome = '<div class="nav"><a href="/trs/xxgk/index.html">政府信息公开</a><a href="/trs/gywm.html">关于我们</a></div>'
        if index < pages:
            cms.report_page(article, f"沈阳市科学技术局{year}年度政府信息公开工作年度报告", charset="gbk", header_charset=False)
            items = f'<ul><li><a href="{article}">沈阳市科学技术局{year}年度政府信息公开工作年度报告</a></li></ul>'
        elif index == pages:
            items = "<ul></ul>"
        elif index == pages + 1:
            chrome, items, pager = "", "<p>对不起，您访问的页面不存在！</p>", ""
        else:
            break
        cms.html(folder + name, "政府信息公开年报", chrome + items + pager, charset="gbk", header_charset=False)
    return cms.absolute(folder + names[0])


def clamping_pager_column(cms: RealCms, pages: int = 3, folder: str = "/jsp/nb/") -> str:
    """{folder}list.jsp?page=1..pages with 下一页 on every page; a page number past the end answers the
    last page again (with 下一页 to the next number), as many JSP pagers clamp it: a pager without end."""
    for number in range(1, pages + 1):
        article = f"{folder}art/{number}.html"
        cms.report_page(article, f"{2025 - number}年度政府信息公开工作年度报告")
    chrome = '<div class="nav"><a href="/jsp/index.html">首页</a><a href="/jsp/xxgk.html">信息公开</a></div>'

    def page(number: int) -> Served:
        shown = min(number, pages)
        item = f'<li><a href="{folder}art/{shown}.html">{2025 - shown}年度政府信息公开工作年度报告</a></li>'
        pager = f'<a href="list.jsp?page={number + 1}">下一页</a>'
        html = f"<html><head><title>年报</title></head><body>{chrome}<ul>{item}</ul>{pager}</body></html>"
        return Served(html.encode())

    cms.pages[folder + "list.jsp"] = lambda query: page(int(query.get("page", ["1"])[0]))
    return cms.absolute(folder + "list.jsp?page=1")


# --- home pages: the way from a portal's front page to its report column ----------------------------------

def _links(pairs: list[tuple[str, str]]) -> str:
    return "<ul>" + "".join(f'<li><a href="{href}">{text}</a></li>' for text, href in pairs) + "</ul>"


def home_pages(cms: RealCms) -> dict[str, tuple[str, set[str]]]:
    """Per family: (home page URL, the column URLs a finder must report). Call after the column builders."""
    cms.html("/hw/index.html", "某市科学技术局", _links([("首页", "/hw/index.html"), ("信息公开", "/col/col100/index.html"),
                                                        ("新闻动态", "/col/col101/index.html")]))
    cms.html("/col/col100/index.html", "信息公开", _links([("政府信息公开指南", "/col/col102/index.html"),
                                                          ("政府信息公开年报", "/col/col2771/index.html")]))
    cms.html("/gk/index.shtml", "某县人民政府", _links([("政务公开", "/xxgk/index.shtml"), ("办事服务", "/bs/")]))
    cms.html("/xxgk/index.shtml", "政务公开", _links([
        ("法定主动公开内容", "/xxgk/fdzdgknr/index.shtml"), ("政府信息公开年报", "/zwgk/nb/"),
        ("2023年度政府信息公开工作年度报告", "/xxgk/zfxxgknb/202401/t20240121_1.shtml")]))
    cms.html("/xxgk/fdzdgknr/index.shtml", "法定主动公开内容", _links([("政策文件", "/xxgk/fdzdgknr/zcwj/")]))
    cms.html("/trshome/index.html", "某市人民政府", _links([("政府信息公开", "/trs/xxgk/index.html")]))
    cms.html("/trs/xxgk/index.html", "政府信息公开", _links([("政府信息公开工作年度报告", "/trs/zfxxgknb/index.shtml")]))
    trs = cms.routes["/trs/zfxxgknb/index.shtml"]
    subcolumns = _links([("本级", "bj/"), ("部门", "bm/"), ("2023年", "2023n/")]).encode("gbk")
    trs.body = trs.body.replace(b"</body>", subcolumns + b"</body>")
    trs_columns = {cms.absolute(f"/trs/zfxxgknb/{name}") for name in ("index.shtml", "bj/", "bm/", "2023n/")}
    return {"hanweb": (cms.absolute("/hw/index.html"), {cms.columns["hanweb"]}),
            "platform": (cms.absolute("/gk/index.shtml"), {cms.columns["platform"]}),
            "trs": (cms.absolute("/trshome/index.html"), trs_columns)}


@contextmanager
def running_homes() -> Iterator[tuple[RealCms, dict[str, tuple[str, set[str]]]]]:
    """The replica with a Hanweb, a platform and a TRS column under their portals' home pages, running
    (its robots.txt keeps finders out of /bs/): (cms, home_pages(cms))."""
    cms = RealCms(robots="User-agent: *\nDisallow: /bs/\n")
    cms.columns = {"hanweb": hanweb_column(cms, 2771, 8871, total=20, reports={}),
                   "platform": platform_column(cms, []), "trs": trs_column(cms)}
    found = home_pages(cms)
    cms.start()
    try:
        yield cms, found
    finally:
        cms.stop()


# --- the replica as a registry: one site per column -----------------------------------------------------

def registry_file(cms: RealCms, path: Path) -> Path:
    """Write a registry (harvester/registry.py schema) naming each of `cms.columns` as a site; returns `path`."""
    sites = [{"id": family, "agency": "某市科学技术局", "region": {"province": "某省", "city": "某市", "county": None},
              "level": "department-of-city", "portal": cms.url + "/", "render": "http", "cms": "unknown",
              "columns": [{"url": url, "evidence": "seen", "source": "tests/crawl/real_cms.py"}]}
             for family, url in cms.columns.items()]
    path.write_text(yaml.safe_dump({"sites": sites}, allow_unicode=True), encoding="utf-8")
    return path
