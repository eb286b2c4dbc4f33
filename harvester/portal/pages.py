"""HTML templates of the replica portal, modelled on the stored pages described in portals.md."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    """One item of a column list: a link title, its URL path on the portal and a display date."""

    title: str
    url: str
    date: str


@dataclass(frozen=True)
class Attachment:
    """A file linked from an article: the href as written on the page and the text of the link."""

    href: str
    text: str


def _page(title: str, charset: str, body: str) -> str:
    """A whole HTML document with the shared portal header and footer (footer links are decoys)."""
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="{charset}">'
        f"<title>{html.escape(title)}</title></head>\n<body>\n"
        '<div class="header"><a href="/">首页</a> <a href="/zwgk/">政务公开</a> '
        '<a href="/zwgk/zfxxgkzn/202101/t20210105_300001.html">政府信息公开指南</a></div>\n'
        f"{body}\n"
        '<div class="footer">主办单位：示例人民政府办公室 <a href="javascript:void(0)">打印本页</a></div>\n'
        "</body></html>\n"
    )


def _list_items(entries: list[Entry]) -> str:
    """The <li> items of a column list."""
    return "\n".join(
        f'<li><a href="{html.escape(e.url)}" title="{html.escape(e.title)}" target="_blank">'
        f"{html.escape(e.title)}</a><span>{e.date}</span></li>"
        for e in entries
    )


def trs_list_page(column_name: str, entries: list[Entry], page: int, total: int, subcolumns: list[Entry]) -> str:
    """A TRS WCM column page: static <li> items, pager written only by createPageHTML() in a script."""
    nav = "".join(f'<li><a href="{html.escape(s.url)}">{html.escape(s.title)}</a></li>' for s in subcolumns)
    body = (
        f'<div class="crumb">首页 &gt; 政务公开 &gt; {html.escape(column_name)}</div>\n'
        f'<ul class="subnav">{nav}</ul>\n'
        f'<ul class="list">\n{_list_items(entries)}\n</ul>\n'
        '<div class="page"><script type="text/javascript">\n'
        f'createPageHTML({total}, {page}, "index", "html");\n</script></div>'
    )
    return _page(column_name, "utf-8", body)


def article_page(title: str, date: str, agency: str, content: str, attachments: list[Attachment], charset: str) -> str:
    """An article page: title, "时间 来源" line, body container and the attachment links next to it."""
    files = "".join(
        f'<p class="fj">附件：<a href="{html.escape(a.href)}">{html.escape(a.text)}</a></p>' for a in attachments
    )
    body = (
        '<div class="crumb">首页 &gt; 政务公开 &gt; 政府信息公开年报</div>\n'
        f'<div class="article"><h1>{html.escape(title)}</h1>\n'
        f'<div class="info">时间:{date}来源:{html.escape(agency)}</div>\n'
        f'<div class="TRS_Editor">\n{content}\n</div>\n{files}</div>'
    )
    return _page(title, charset, body)


def js_list_page(column_name: str, api_path: str, charset: str) -> str:
    """A column page whose list and pager exist only after its script has fetched the JSON endpoint."""
    script = (
        "var page = parseInt(new URLSearchParams(location.search).get('page') || '0', 10);\n"
        f"fetch('{api_path}?page=' + page).then(function (r) {{ return r.json(); }}).then(function (data) {{\n"
        "  var ul = document.getElementById('list');\n"
        "  data.items.forEach(function (it) {\n"
        "    var li = document.createElement('li');\n"
        "    var a = document.createElement('a'); a.href = it.url; a.title = it.title; a.textContent = it.title;\n"
        "    var span = document.createElement('span'); span.textContent = it.date;\n"
        "    li.appendChild(a); li.appendChild(span); ul.appendChild(li);\n"
        "  });\n"
        "  if (page + 1 < data.pages) {\n"
        "    document.getElementById('pager').innerHTML = '<a href=\"index.html?page=' + (page + 1) + '\">下一页</a>';\n"
        "  }\n"
        "});"
    )
    body = (
        f'<div class="crumb">首页 &gt; 政务公开 &gt; {html.escape(column_name)}</div>\n'
        f'<ul id="list"></ul>\n<div id="pager"></div>\n<script type="text/javascript">\n{script}\n</script>'
    )
    return _page(column_name, charset, body)


def json_list(entries: list[Entry], pages: int) -> bytes:
    """The JSON body of a list endpoint page."""
    items = [{"title": e.title, "url": e.url, "date": e.date} for e in entries]
    return json.dumps({"pages": pages, "items": items}, ensure_ascii=False).encode("utf-8")


def simple_page(title: str, paragraphs: list[str], links: list[Entry] = ()) -> str:
    """A plain page (news item, guide, home page) with optional links."""
    text = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return _page(title, "utf-8", f"<h1>{html.escape(title)}</h1>\n{text}\n<ul>{_list_items(list(links))}</ul>")
