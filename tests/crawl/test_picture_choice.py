"""The crawl's picture rule reads a page's visible text as harvester.markup's `skipped` defines it, node by
node, while finding the skipped nodes with lxml (asking `skipped` of every element in Python cost
more than the crawl's own parse of the page)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harvester.crawl.pictures import _visible_text
from harvester.markup import parse_document, skipped

TESTS = Path(__file__).resolve().parents[1]
PAGES = sorted([*(TESTS / "crawl" / "pages").glob("*.html"), *(TESTS / "fixtures" / "reports").glob("*/*.html"),
                *(TESTS / "fixtures" / "bad").glob("*.html")])
EVERY_KIND = """<html><head><title>t</title><style>p {}</style></head><body>
<p>一<!-- 注释 -->二<?php echo 1 ?>三</p><SCRIPT>var x = 1;</SCRIPT><noscript>请开启</noscript>
<div style="color: red">四<span style="DISPLAY : none">五<b>六</b></span>七</div>
<div style="visibility:hidden"><p>八</p></div><nav>导航</nav><svg><text>九</text></svg>
<table><tr><td>10</td><td><button>按钮</button>11</td></tr></table><footer>页脚</footer>尾</body></html>"""


def visible_by_each_node(data: bytes) -> str:
    """The rule as `skipped` states it: every node it names dropped from the tree, then the tree's text."""
    root = parse_document(data)
    for node in [node for node in root.iterdescendants() if skipped(node)]:
        if node.getparent() is not None:
            node.drop_tree()
    return root.text_content()


@pytest.mark.parametrize("data", [EVERY_KIND.encode(), *(path.read_bytes() for path in PAGES)],
                         ids=["every-kind", *(path.name for path in PAGES)])
def test_visible_text_drops_what_markup_skips(data: bytes) -> None:
    assert _visible_text(parse_document(data)) == visible_by_each_node(data)


def test_every_kind_of_skipped_node_is_dropped() -> None:
    assert len(PAGES) > 10  # the saved pages and fixtures compared above
    assert "".join(_visible_text(parse_document(EVERY_KIND.encode())).split()) == "一二三四七1011尾"
