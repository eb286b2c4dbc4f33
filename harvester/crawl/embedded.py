"""Files a report page shows instead of linking: the report's own PDF in an <iframe>, <embed> or
<object>, in a PDF.js viewer that names it in `?file=`, or opened by a button's onclick
(`window.open('…')`, `location.href='…'`). Portals publish many reports this way; an anchor-only
reader never sees them."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import lxml.etree
from parsel import Selector

from harvester.crawl.links import Link, is_attachment, label

_SHOWN = (("iframe", "src"), ("embed", "src"), ("object", "data"), ("frame", "src"))
# Run on lxml's tree directly, as links.anchors: a parsel Selector per element cost more than the query.
# Only the elements `_addresses` reads from (every link of the page asked in Python cost more than the query).
_CANDIDATES = lxml.etree.XPath(" | ".join([*(f"//{tag}[@{name}]" for tag, name in _SHOWN), "//*[@onclick]",
                                           "//a[contains(@href, 'file=')]"]))
_SCRIPTED = re.compile(r"""(?:window\.open|location(?:\.href)?\s*=|location\.assign)\s*\(?\s*['"]([^'"]+)['"]""")


def embedded_documents(selector: Selector, urljoin: Callable[[str], str]) -> list[Link]:
    """Every document file the page shows or opens by script, resolved with `urljoin`, in page order."""
    found: list[Link] = []
    for element in _CANDIDATES(selector.root):
        for address in _addresses(element):
            url = _unwrapped(urljoin(address.strip()), urljoin)
            if is_attachment(url) and all(link.url != url for link in found):
                found.append(Link(url, label(element)))
    return found


def _addresses(element: lxml.etree._Element) -> list[str]:
    """The addresses an element shows (its frame or object source), opens by script, or links to a viewer."""
    tag, attributes = element.tag, element.attrib
    shown = [attributes[name] for kind, name in _SHOWN if tag == kind and attributes.get(name)]
    scripted = _SCRIPTED.findall(attributes.get("onclick", ""))
    viewer = [attributes["href"]] if tag == "a" and "file=" in attributes.get("href", "") else []
    return shown + scripted + viewer


def _unwrapped(url: str, urljoin: Callable[[str], str]) -> str:
    """The file a PDF.js-style viewer URL names in `?file=`, else the URL itself."""
    named = parse_qs(urlsplit(url).query).get("file")
    if named and not is_attachment(url):
        return urljoin(named[0])
    return url
