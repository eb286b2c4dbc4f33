"""Link recognition: which links are annual reports, attachments or list pages, and which are in scope."""

from __future__ import annotations

import re
import unicodedata
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from posixpath import splitext
from urllib.parse import unquote, urlsplit

import lxml.etree
import tldextract
from parsel import Selector
from scrapy.http import TextResponse

ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".zip", ".rar", ".ofd")

# Titles of annual reports: 政府信息公开工作年度报告, 政府信息公开年报, 信息公开工作报告, 政务公开工作年度报告,
# "2020年度报告" (a year and the report, nothing between: 2023年法治政府建设年度报告 is another report).
_DISCLOSURE_REPORT = re.compile(r"(?:信息|政务)公开.*(?:报告|年报)")
_YEAR_REPORT = re.compile(r"(?:19|20)\d\d\s*年?度?\s*(?:工作)?(?:年度报告|年报)")
# Pages that mention reports but are not one: guides, rules, catalogues, notices about writing, sending or
# assessing reports, interpretations, meetings and training about writing them, other kinds of yearly
# report (statistics, budgets, audits, work summaries, company filings).
_NOT_REPORT = re.compile(r"指南|制度|目录|通知|通报|报送|的函|办法|规定|解读|图解|会议|召开|编制|培训|部署|评估|"
                         r"工作总结|统计年报|统计公报|企业年报|预算|决算|审计|财务")
# The agency a title begins with (淮安市审计局, 中共…机构编制委员会办公室, …培训中心; a name: no digits or
# punctuation): its name is no subject of the title, so words of _NOT_REPORT in it say nothing.
_AGENCY_PREFIX = re.compile(r"^[^\d:：《》“”\"、，,()（）]*?(?:局|委|办|院|中心|政府|委员会|办公室|管委会|厅|署|所|站|队|处|会|部|社|馆|街道|镇|乡|区|县|市|省)"
                            r"(?=(?:19|20)\d\d|(?:政府)?(?:信息|政务)公开)")
# Interpretations of a report (图解, 解读, 一图读懂): related to the report they explain, never one.
_INTERPRETATION = re.compile(r"图解|解读|一图读懂|图说")
_YEAR = re.compile(r"(?:19|20)\d\d")
# TRS attachment names: P0 + date + digits, e.g. P020210129512345678901.pdf (portals.md 2.1).
_TRS_ATTACHMENT = re.compile(r"/P0\d{8,}\.[A-Za-z0-9]{2,5}$")
_LISTING_PATH = re.compile(r"(?:/|/index(?:_\d+)?\.s?html?|/glist\d*\.html|/[0-9a-f]{8}-\d+\.shtml)$")
# ...but index.shtml inside a document-id folder is an article (ln.gov.cn: /{19-digit or 32-hex id}/index.shtml).
_ARTICLE_FOLDER = re.compile(r"/(?:\d{14,}|[0-9A-Fa-f]{32})/index\.s?html?$")
# Download endpoints serving a file by query: downfile.jsp?classid=0&filename=x.pdf, download.jsp?id=..., ?filename=.
_DOWNLOAD_ENDPOINT = re.compile(r"/(?:down(?:load)?(?:file)?|getfile|fileDownload)\.(?:jsp|do|aspx?|php)$", re.I)
_QUERY_FILENAME = re.compile(r"(?:^|&)(?:file)?name=[^&]+(?:" + "|".join(re.escape(e) for e in ATTACHMENT_EXTENSIONS) + r")(?:&|$)", re.I)
# Link texts cut short by the list template ("2024年度政府信息公开..."): the full title is in title=.
_CUT_SHORT = re.compile(r"(?:\.{2,}|…+|．{2,})$")
_SKIPPED_SCHEMES = ("javascript:", "mailto:", "tel:", "#", "data:")
DEFAULT_PORTS = {"http": 80, "https": 443}
# Compiled once, run on lxml's tree directly: a parsel Selector per anchor and per text query cost more than
# the extraction itself. `a[href]` and `::text` as parsel translates them.
_ANCHORS = lxml.etree.XPath("descendant-or-self::a[@href]")
_TEXTS = lxml.etree.XPath("descendant-or-self::text()")


@dataclass(frozen=True)
class Link:
    """An absolute link URL and the human text that labels it (anchor text, else its title attribute)."""

    url: str
    text: str


def anchors(selector: Selector, urljoin: Callable[[str], str]) -> list[Link]:
    """Every followable <a href> of a page, resolved with `urljoin`, fragment dropped, in page order."""
    found: list[Link] = []
    for anchor in _ANCHORS(selector.root):
        href = (anchor.get("href") or "").strip()
        if not href or href.lower().startswith(_SKIPPED_SCHEMES):
            continue
        url = urljoin(href).split("#", 1)[0]
        if urlsplit(url).scheme in ("http", "https"):
            found.append(Link(url, label(anchor)))
    return found


def page_tree(response: TextResponse) -> lxml.etree._Element | None:
    """Scrapy's element tree of a text response, built once; None when Scrapy read the body as JSON."""
    root = response.selector.root
    return root if isinstance(root, lxml.etree._Element) else None


_extracted: weakref.WeakKeyDictionary[TextResponse, tuple[Link, ...]] = weakref.WeakKeyDictionary()


def page_links(response: TextResponse) -> tuple[Link, ...]:
    """The anchors of a response with a tree (`page_tree`), extracted once however many readers ask (the
    spider, each CMS family)."""
    if response not in _extracted:
        _extracted[response] = tuple(anchors(response.selector, response.urljoin))
    return _extracted[response]


def label(anchor: lxml.etree._Element) -> str:
    """An anchor's human text: its text, else its title attribute, which also wins over a text cut short."""
    text = normalise("".join(_TEXTS(anchor)))
    title = normalise(anchor.get("title") or "")
    if not text or (_CUT_SHORT.search(text) and len(title) > len(_CUT_SHORT.sub("", text))):
        return title
    return text


def normalise(text: str) -> str:
    """Collapse whitespace (titles on portals are split by line breaks and full-width spaces)."""
    return re.sub(r"\s+", "", text.replace("\u3000", " "))


def is_report_title(text: str) -> bool:
    """True when a link text names a government-information-disclosure annual report (full-width
    digits as ASCII: ２０２３年度)."""
    text = unicodedata.normalize("NFKC", normalise(text))
    if not text or _NOT_REPORT.search(_AGENCY_PREFIX.sub("", text, count=1)):
        return False
    return bool(_DISCLOSURE_REPORT.search(text) or _YEAR_REPORT.search(text))


def is_interpretation(text: str) -> bool:
    """True when a link text presents an interpretation (图解, 解读, 一图读懂) of an annual report."""
    text = unicodedata.normalize("NFKC", normalise(text))
    return bool(_INTERPRETATION.search(text)) and bool(_DISCLOSURE_REPORT.search(text) or _YEAR_REPORT.search(text))


def year_named(text: str) -> str | None:
    """The first year a title names (full-width digits as ASCII), None when none."""
    found = _YEAR.search(unicodedata.normalize("NFKC", text))
    return found.group(0) if found else None


def is_attachment(url: str) -> bool:
    """True for document files (.pdf .doc .docx .wps .xls .xlsx .zip ...), TRS P0... attachments and files
    behind download endpoints (downfile.jsp?classid=0&filename=x.pdf, download.jsp?..., ?filename=x.pdf)."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    if splitext(path.lower())[1] in ATTACHMENT_EXTENSIONS or _TRS_ATTACHMENT.search(path):
        return True
    return bool(_DOWNLOAD_ENDPOINT.search(path) or _QUERY_FILENAME.search(unquote(parts.query)))


def is_http_url(value: str) -> bool:
    """True for an absolute http(s) URL naming a host (what a crawl can start from)."""
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def is_listing(url: str) -> bool:
    """True when the URL is shaped like a list page (folder, index[_N].html, glist[N].html, ?page=N)."""
    parts = urlsplit(url)
    if _ARTICLE_FOLDER.search(parts.path):
        return False
    return bool(_LISTING_PATH.search(parts.path) or re.search(r"(?:^|&)(?:page|pageNo|o)=\d+", parts.query))


@lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """shenyang.gov.cn for kjj.shenyang.gov.cn (bundled suffix list, no network); IPs and bare hosts as is."""
    result = _EXTRACT(host.lower())
    return result.top_domain_under_public_suffix or host.lower()


def site_key(url: str) -> tuple[str, int | None]:
    """What "one site" means: the registrable domain and the port, None when it is the scheme's default
    (http://x and https://x are one site; x:8080, or 127.0.0.1 on another port, is another)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: only the very same host:port matches it
        return parts.netloc.lower(), -1
    return registrable_domain(parts.hostname or ""), None if port == DEFAULT_PORTS.get(parts.scheme) else port


def same_site(url: str, other: str) -> bool:
    """True when both URLs are on the same registrable domain and port."""
    return site_key(url) == site_key(other)


def column_folder(column_url: str) -> str:
    """The folder that bounds a column's list pages: scheme://host/path/up/to/last/slash/."""
    parts = urlsplit(column_url)
    return f"{parts.scheme}://{parts.netloc}{parts.path.rsplit('/', 1)[0]}/"


def under_column(url: str, column_url: str) -> bool:
    """True when `url` lies in the column's folder (same host and port, path below it)."""
    return url.startswith(column_folder(column_url))


_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
