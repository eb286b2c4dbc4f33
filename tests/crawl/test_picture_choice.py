"""The crawl's picture rule reads a page's visible text as harvester.markup's `skipped` defines it, node by
node, while finding the skipped nodes with lxml (asking `skipped` of every element in Python cost
more than the crawl's own parse of the page)."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.etree
import pytest
from scrapy.http import HtmlResponse

from harvester.crawl.pictures import _printed_numbers, _visible_text
from harvester.crawl.failures import readable
from harvester.crawl.links import page_tree
from harvester.markup import parse_document, skipped

TESTS = Path(__file__).resolve().parents[1]
PAGES = sorted([*(TESTS / "crawl" / "pages").glob("*.html"), *(TESTS / "fixtures" / "reports").glob("*/*.html"),
                *(TESTS / "fixtures" / "bad").glob("*.html")])
EVERY_KIND = """<html><head><title>t</title><style>p {}</style></head><body>
<p>一<!-- 注释 -->二<?php echo 1 ?>三</p><SCRIPT>var x = 1;</SCRIPT><noscript>请开启</noscript>
<div style="color: red">四<span style="DISPLAY : none">五<b>六</b></span>七</div>
<div style="visibility:hidden"><p>八</p></div><nav>导航</nav><svg><text>九</text></svg>
<table><tr><td>10</td><td><button>按钮</button>11</td></tr></table><footer>页脚</footer>尾</body></html>"""


EVERY_KIND_UNSTYLED = re.sub(r' style="[^"]*"', "", EVERY_KIND)  # nothing hidden by style: read in place
SAMPLES = [EVERY_KIND.encode(), EVERY_KIND_UNSTYLED.encode(), *(path.read_bytes() for path in PAGES)]
SAMPLE_IDS = ["every-kind", "every-kind-unstyled", *(path.name for path in PAGES)]


def visible_by_each_node(data: bytes, part: str | None = None) -> str:
    """The rule as `skipped` states it: every node it names dropped from the tree, then the text of the tree
    (or of its `part`, e.g. body)."""
    root = parse_document(data)
    for node in [node for node in root.iterdescendants() if skipped(node)]:
        if node.getparent() is not None:
            node.drop_tree()
    return (root.find(part) if part else root).text_content()


@pytest.mark.parametrize("data", SAMPLES, ids=SAMPLE_IDS)
def test_visible_text_drops_what_markup_skips(data: bytes) -> None:
    assert _visible_text(parse_document(data)) == visible_by_each_node(data)


def test_every_kind_of_skipped_node_is_dropped() -> None:
    assert len(PAGES) > 10  # the saved pages and fixtures compared above
    assert "".join(_visible_text(parse_document(EVERY_KIND.encode())).split()) == "一二三四七1011尾"


@pytest.mark.parametrize("data", SAMPLES, ids=SAMPLE_IDS)
def test_numbers_are_counted_in_the_body_a_reader_sees_on_either_tree(data: bytes) -> None:
    """The crawl counts a page's printed numbers on Scrapy's tree of it (not parsed again) or on its own."""
    printed = len(re.findall(r"\d+", visible_by_each_node(data, "body")))
    scrapy_tree = page_tree(readable(HtmlResponse("http://portal.test/a.html", body=data)))  # as the crawl reads it
    markup = etree_text(scrapy_tree)
    assert _printed_numbers(scrapy_tree) == printed
    assert etree_text(scrapy_tree) == markup  # the tree is left as it was (the spider reads it after)
    assert _printed_numbers(parse_document(data)) == printed


def etree_text(root) -> str:
    """The whole tree as markup."""
    return lxml.etree.tostring(root, encoding="unicode")
