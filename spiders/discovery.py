"""The generic discovery spider: from a report column, find every annual report and its attachments.

Run it with a start URL or registry ids:

    scrapy crawl discovery -a url=https://kjj.shenyang.gov.cn/zwgk/zfxxgknb/
    scrapy crawl discovery -a site=sy-kjj,sy-city [-a registry=harvester/registry.yaml] [-a run_id=...]
    scrapy crawl discovery -a site=demo-trs -a registry=harvester/registry_demo.yaml -a portal=http://127.0.0.1:8000

A missing, unknown or bad argument stops the command with a usage message (exit status 2). Its
callbacks carry contracts checked on the replica portal: `scrapy check [-a portal=URL]`
(harvester/crawl/contracts.py).

It yields requests, and one item per report document archived (so `-O reports.jsonl` lists them);
the archive middleware stores what comes back. Each request carries
meta["harvester"] = {kind: list|report_page|attachment|page_image, site, link_text, referer, scope}.

A list batch asked by POST (Hanweb dataproxy.jsp) from a page that is unchanged since the last crawl
carries meta["harvester"]["replay"]: the archive answers it with the batch's archived bytes, so an
unchanged recrawl downloads nothing again while still visiting (conditionally) every report listed.

Scope: list pages must lie in the column's folder; report pages and attachments on the column's
site (registrable domain and port; attachments may sit outside the folder, e.g. /uploadfiles/). Every
request names the column as its `scope`: harvester.crawl.scope refuses redirects off its site. Adding a site costs a
registry entry; behaviour that differs by CMS lives in harvester/crawl/families.py.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from scrapy_playwright.page import PageMethod

from harvester.archive.fetchlog import CONTENT_OUTCOMES, DOCUMENT_KINDS
from harvester.crawl.arguments import ArgumentError, http_url, one_of, refuse_unknown
from harvester.crawl.families import UNKNOWN, Post, families_for
from harvester.crawl.embedded import embedded_documents
from harvester.crawl.links import (Link, is_attachment, is_interpretation, is_listing, is_report_title, page_links,
                                   page_tree, same_site, under_column, year_named)
from harvester.crawl.pictures import wanted_images
from harvester.registry import RENDER_MODES, RegistryError, entries, load_registry, select


@dataclass(frozen=True)
class Start:
    """Where one crawl of one column begins: registry id, column URL and whether lists need a browser."""

    site: str
    column: str
    browser: bool
    cms: str = UNKNOWN


def interpreted(interpretation: Link, links: list[Link]) -> str | None:
    """The report among `links` an interpretation explains: the one naming the same year, if any."""
    year = year_named(interpretation.text)
    return next((link.url for link in links if is_report_title(link.text) and year_named(link.text) == year), None)


def site_label(url: str) -> str:
    """A registry-id-like label for a bare start URL: its host and port, e.g. 127-0-0-1-8000."""
    return re.sub(r"[^a-z0-9]+", "-", urlsplit(url).netloc.lower()).strip("-")


def starts_of(url: str | None, site: str | None, registry: str | None, portal: str | None,
              render: str) -> tuple[list[Start], list[dict] | None]:
    """The columns a crawl starts from and the registry entries it crawls (None for a bare URL);
    ArgumentError when the arguments name none. `scrapy check` (SCRAPY_CHECK) may name none."""
    browser = one_of("render", render, RENDER_MODES) == "browser"
    if url:
        http_url("url", url)
        return [Start(site or site_label(url), url, browser)], None
    if site or registry:
        try:
            chosen = select(load_registry(registry, portal=portal), site.split(",") if site else None)
        except RegistryError as error:
            raise ArgumentError(str(error)) from error
        # recorded with the run: the load reads its agencies there
        return [Start(s.id, column, s.render == "browser", s.cms) for s in chosen for column in s.start_urls], entries(chosen)
    if os.environ.get("SCRAPY_CHECK"):
        return [], None
    raise ArgumentError("the discovery spider needs -a url=START or -a site=ID[,ID...] (or -a registry=FILE)")


class DiscoverySpider(scrapy.Spider):
    """Find report pages and attachments under one or more report columns."""

    name = "discovery"

    ARGUMENTS = ("url", "site", "registry", "portal", "run_id", "render")
    USAGE = ("scrapy crawl discovery -a url=START [-a site=LABEL] [-a render=http|browser] [-a run_id=ID]"
             " | -a site=ID[,ID...] [-a registry=FILE] [-a portal=URL] [-a run_id=ID]")

    def __init__(
        self,
        url: str | None = None,
        site: str | None = None,
        registry: str | None = None,
        portal: str | None = None,
        run_id: str | None = None,
        render: str = "http",
        **unknown: str,
    ) -> None:
        super().__init__()
        refuse_unknown(unknown, self.ARGUMENTS)
        self.run_id = run_id
        self.portal = http_url("portal", portal) if portal else None  # fills {portal}; where contracts run
        self.starts, self.registry_entries = starts_of(url, site, registry, self.portal, render)
        self.site = ",".join(dict.fromkeys(start.site for start in self.starts))  # the runs row's `site`
        # List pages parsed, by final URL: a page reached through a redirect (followed unfiltered) is not
        # asked for again when its own pager links to it.
        self.listed: set[str] = set()
        self.entries: dict[str, set[str]] = {}  # per column: the entry links its list pages showed so far

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for start in self.starts:
            yield self._list_request(start, start.column, Link(start.column, ""), referer=None)

    def parse_list(self, response: Response) -> Iterator[scrapy.Request]:
        """A column list page: follow its pagination and sub-columns, open report pages and report files.

        @replica list /zwgk/zfxxgknb/index.html
        @returns requests 4
        @returns items 0 0
        """
        if not isinstance(response, TextResponse) or page_tree(response) is None:
            return  # a file, or an answer in JSON: no page to list from
        start = self._column_moved(response.meta["discovery"], response)
        rendered = bool(response.meta.get("playwright"))
        self.listed.add(response.url)
        if response.meta.get("archive", {}).get("outcome") in ("soft404", "blocked"):
            self.logger.warning("list page %s is no list: %s", response.url, response.meta["archive"]["outcome"])
            return
        families = families_for(start.cms)
        links = [*page_links(response), *(link for family in families for link in family.extra_links(response))]
        if self._nothing_new(start, links):
            self.logger.info("list page %s shows nothing new: paging stops there", response.url)
            return
        # the page's batches are as archived when the page is (its total and first records unchanged)
        unchanged = response.meta.get("archive", {}).get("outcome") in ("unchanged", "not_modified")
        candidates = 0
        for link in links:
            if is_listing(link.url):  # list pages outside the column (other columns, other sites) are out of scope
                if self._unlisted(link.url, start):
                    yield self._list_request(start, link.url, link, response.url)
            elif is_report_title(link.text) and same_site(link.url, start.column):
                candidates += 1
                yield self._document_request(start, link, response.url, is_attachment(link.url))
            elif is_interpretation(link.text) and same_site(link.url, start.column):
                yield self._related_request(start, link, response.url, interpreted(link, links))
        for family in families:
            for url in family.pagination(response):
                if self._unlisted(url, start):
                    yield self._list_request(start, url, Link(url, ""), response.url)
            for post in family.posts(response):
                if same_site(post.url, start.column):
                    yield self._post_request(start, post, response.url, replay=unchanged)
        if not rendered and any(family.needs_browser(response, candidates) for family in families):
            self.logger.info("list drawn by JavaScript, rendering %s", response.url)
            browser = Start(start.site, start.column, browser=True, cms=start.cms)
            yield self._list_request(browser, response.url, Link(response.url, ""), None, again=True)

    def parse_report(self, response: Response) -> Iterator[scrapy.Request]:
        """A report page: its attachments (PDF/DOC/... and TRS P0... files, linked or shown in a frame, a
        PDF viewer or a button) are the report's carriers;
        a page without any whose text lacks the report's tables shows it as pictures (图片版).

        @replica report_page /zwgk/zfxxgknb/202004/t20200410_500003.html
        @returns requests 1 1
        @returns items 1 1
        @scrapes url kind site link_text referer sha256
        """
        yield from self._found(response)
        tree = page_tree(response) if isinstance(response, TextResponse) else None
        if tree is None:
            return  # the "page" was itself a document, or an answer in JSON; the archive kept it
        start: Start = response.meta["discovery"]
        shown = [link for link in page_links(response) if is_attachment(link.url)]
        linked = {link.url for link in shown}
        shown += [link for link in embedded_documents(response.selector, response.urljoin) if link.url not in linked]
        attachments = [link for link in shown if same_site(link.url, start.column)]
        for link in attachments:
            yield self._document_request(start, link, response.url, attachment=True)
        if attachments:
            return
        for url in wanted_images(response.body, response.url, tree):
            if same_site(url, start.column):
                meta = self._meta(start, "page_image", Link(url, ""), response.url)
                yield scrapy.Request(url, callback=self.parse_attachment, meta=meta)

    def parse_attachment(self, response: Response) -> Iterator[dict]:
        """Attachments lead nowhere: the archive middleware has stored the bytes.

        @replica attachment /zwgk/zfxxgknb/202004/P020200410000000700003.docx
        @returns requests 0 0
        @returns items 1 1
        @scrapes url kind sha256
        """
        return self._found(response)

    def parse_related(self, response: Response) -> Iterator[dict]:
        """An interpretation (图解, 解读) of a report: archived as `other`, listed as related to its report.

        @replica other /zwgk/zfxxgknb/index.html
        @returns requests 0 0
        @returns items 1 1
        @scrapes url kind relation report sha256
        """
        declared, archived = response.meta.get("harvester", {}), response.meta.get("archive", {})
        if archived.get("outcome") in CONTENT_OUTCOMES:
            yield {"url": response.url, "kind": "related", "relation": "interpretation",
                   "report": response.meta.get("interprets"), "site": declared["site"],
                   "link_text": declared["link_text"], "referer": declared["referer"], "sha256": archived["sha256"]}

    @staticmethod
    def _found(response: Response) -> Iterator[dict]:
        """One item per report document archived (`scrapy crawl discovery -O reports.jsonl` lists them)."""
        declared, archived = response.meta.get("harvester", {}), response.meta.get("archive", {})
        if declared.get("kind") in DOCUMENT_KINDS and archived.get("outcome") in CONTENT_OUTCOMES:
            yield {"url": response.url, "kind": declared["kind"], "site": declared["site"],
                   "link_text": declared["link_text"], "referer": declared["referer"], "sha256": archived["sha256"]}

    def _list_request(
        self, start: Start, url: str, link: Link, referer: str | None, again: bool = False
    ) -> scrapy.Request:
        """A list-page request, rendered by Chromium when the site (or the page) needs it."""
        meta = self._meta(start, "list", link, referer)
        if start.browser:
            meta["playwright"] = True
            # the list arrives by XHR after "load": wait until the network is quiet
            meta["playwright_page_methods"] = [PageMethod("wait_for_load_state", "networkidle")]
        return scrapy.Request(url, callback=self.parse_list, meta=meta, dont_filter=again)

    def _post_request(self, start: Start, post: Post, referer: str, replay: bool = False) -> scrapy.Request:
        """A list batch fetched by POST (Hanweb dataproxy.jsp), plain HTTP, parsed like any list page;
        `replay`: its archived answer stands in for it (its page is unchanged), when there is one."""
        meta = self._meta(start, "list", Link(post.url, ""), referer)
        meta["harvester"]["replay"] = replay
        return scrapy.FormRequest(post.url, formdata=post.form, callback=self.parse_list, meta=meta,
                                  headers={"Referer": referer})

    def _nothing_new(self, start: Start, links: list[Link]) -> bool:
        """True for a later list page of the column all of whose entries (links other than list pages)
        its earlier pages showed: an empty page, or one past the end that a stale page count or a
        clamping pager answers with the last page again. Its pager is a trap, not to be followed."""
        shown = {link.url for link in links if not is_listing(link.url)}
        earlier = self.entries.get(start.column)
        self.entries[start.column] = (earlier or set()) | shown
        return earlier is not None and shown <= earlier

    def _related_request(self, start: Start, link: Link, referer: str, report: str | None) -> scrapy.Request:
        """A request for an interpretation of `report` (its URL when the list shows it): fetched, never a report."""
        meta = {**self._meta(start, "other", link, referer), "interprets": report}
        return scrapy.Request(link.url, callback=self.parse_related, meta=meta)

    def _unlisted(self, url: str, start: Start) -> bool:
        """A list page of the column not parsed yet."""
        return under_column(url, start.column) and url not in self.listed

    @staticmethod
    def _column_moved(start: Start, response: Response) -> Start:
        """The start, bounded by the column's new folder when its address redirected (a 301 from the old one)."""
        redirects = response.meta.get("redirect_urls") or []
        if redirects and redirects[0] == start.column and response.url != start.column:
            return replace(start, column=response.url)
        return start

    def _document_request(self, start: Start, link: Link, referer: str, attachment: bool) -> scrapy.Request:
        """A report page or attachment request: always plain HTTP (documents never go through the browser)."""
        kind = "attachment" if attachment else "report_page"
        callback = self.parse_attachment if attachment else self.parse_report
        return scrapy.Request(link.url, callback=callback, meta=self._meta(start, kind, link, referer))

    def sample_meta(self, kind: str, url: str) -> dict:
        """The meta of a request of `kind` for `url` in a crawl of `url`'s own column (contracts' samples)."""
        return self._meta(Start(site_label(url), url, browser=False), kind, Link(url, ""), None)

    def _meta(self, start: Start, kind: str, link: Link, referer: str | None) -> dict:
        """Request meta: the archive contract dict plus the spider's own scope state."""
        harvester = {"kind": kind, "site": start.site, "link_text": link.text, "referer": referer,
                     "scope": start.column}
        return {"harvester": harvester, "discovery": start}
