"""Reading a web page, and what of it is chrome, machinery or hidden: one rule for the crawl and the HTML carrier.

Kept apart from both stages (it imports only lxml and the shared charset detection), so the
crawl can read a page's body without importing the parser.
"""

from __future__ import annotations

import re

import lxml.etree
import lxml.html

from harvester.charset import decode

# Chrome and machinery whose text is never part of a report.
DROPPED = frozenset({"script", "style", "noscript", "nav", "header", "footer", "iframe",
                     "template", "select", "button", "object", "embed", "svg", "head"})
HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")


class NotMarkup(ValueError):
    """The bytes are no HTML page (empty, or lxml cannot parse them)."""


def parse_document(data: bytes) -> lxml.etree._Element:
    """The page's element tree, decoded by the shared charset detection."""
    # lxml refuses str input that still carries an encoding declaration; we decoded already.
    # A browser skips stray NUL bytes; lxml refuses a string that holds one.
    text = XML_DECLARATION.sub("", decode(data), count=1).replace("\x00", "")
    if not text.strip():
        raise NotMarkup("empty HTML page")
    try:
        return lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError) as error:
        raise NotMarkup(f"HTML does not parse: {error}") from error


def tag_name(element: lxml.etree._Element) -> str | None:
    """Lower-case local tag name, or None for comments and processing instructions."""
    tag = element.tag
    return tag.lower() if isinstance(tag, str) else None


def skipped(element: lxml.etree._Element) -> bool:
    """True for elements whose content is chrome, machinery or hidden."""
    tag = tag_name(element)
    return tag is None or tag in DROPPED or bool(HIDDEN.search(element.get("style", "")))
