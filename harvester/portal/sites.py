"""Columns of the replica portal: a TRS-style static column and a column built by JavaScript from JSON."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from harvester.portal import pages
from harvester.portal.pages import Entry

_TRS_PAGE = re.compile(r"index(?:_(\d+))?\.html$")


@dataclass
class Resource:
    """One response of the portal; `delay` seconds pass before it is answered (a slow page)."""

    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    location: str | None = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    modified: float = field(default_factory=time.time)


def html_resource(markup: str, charset: str = "utf-8", **options) -> Resource:
    """A text/html Resource encoded in `charset` (characters it cannot encode become references)."""
    return Resource(markup.encode(charset, errors="xmlcharrefreplace"), f"text/html; charset={charset}", **options)


@dataclass
class Column:
    """A list column: entries newest first, split into pages; `broken` makes every list page 404."""

    path: str
    name: str
    entries: list[Entry]
    per_page: int = 4
    broken: bool = False
    modified: float = field(default_factory=time.time)

    @property
    def page_count(self) -> int:
        """Number of list pages (at least one, even when empty)."""
        return max(1, -(-len(self.entries) // self.per_page))

    def page_entries(self, page: int) -> list[Entry]:
        """The entries shown on list page `page` (0-based)."""
        return self.entries[page * self.per_page : (page + 1) * self.per_page]

    def add(self, entry: Entry) -> None:
        """Publish a new entry at the top of the list."""
        self.entries.insert(0, entry)
        self.modified = time.time()

    def get(self, path: str, query: str) -> Resource | None:
        """The list resource for `path`, or None when the path is not one of this column's pages."""
        raise NotImplementedError


@dataclass
class TrsColumn(Column):
    """TRS WCM column: index.html, index_1.html, ... with the pager drawn by createPageHTML()."""

    subcolumns: list[Entry] = field(default_factory=list)

    def get(self, path: str, query: str) -> Resource | None:
        if not path.startswith(self.path):
            return None
        rest = path[len(self.path) :] or "index.html"
        match = _TRS_PAGE.fullmatch(rest)
        if not match:
            return None
        page = int(match.group(1) or 0)
        if self.broken or page >= self.page_count or match.group(1) == "0":
            return Resource(b"", status=404)
        markup = pages.trs_list_page(self.name, self.page_entries(page), page, self.page_count, self.subcolumns)
        return html_resource(markup, modified=self.modified)


@dataclass
class JsonColumn(Column):
    """A column page that is an empty shell; its script fetches `<api>?page=N` (JSON) and draws list and pager."""

    api: str = ""
    charset: str = "gbk"

    def get(self, path: str, query: str) -> Resource | None:
        if path in (self.path, self.path + "index.html"):
            if self.broken:
                return Resource(b"", status=404)
            return html_resource(pages.js_list_page(self.name, self.api, self.charset), self.charset)
        if path == self.api:
            match = re.search(r"(?:^|&)page=(\d+)", query)
            page = int(match.group(1)) if match else 0
            if self.broken or page >= self.page_count:
                return Resource(b'{"pages": 0, "items": []}', "application/json", status=404)
            body = pages.json_list(self.page_entries(page), self.page_count)
            return Resource(body, "application/json; charset=utf-8", modified=self.modified)
        return None
