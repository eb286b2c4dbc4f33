"""The discovery spider's decisions on saved pages: which requests it yields, with which kind and meta."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import TextResponse

from spiders.discovery import DiscoverySpider


def requests_of(spider: DiscoverySpider, callback, page) -> dict[str, set[str]]:
    """URLs requested from `page`, grouped by meta['harvester']['kind']."""
    found: dict[str, set[str]] = {}
    for request in callback(page):
        found.setdefault(request.meta["harvester"]["kind"], set()).add(request.url)
    return found


def start_meta(spider: DiscoverySpider) -> dict:
    """The meta a list request of the spider's first start carries."""
    return {"discovery": spider.starts[0]}


def test_trs_column_page(saved_page) -> None:
    spider = DiscoverySpider(url="http://portal.test/zwgk/zfxxgknb/index.html")
    found = requests_of(spider, spider.parse_list, saved_page("portal-trs-index", start_meta(spider)))
    base = "http://portal.test/zwgk/zfxxgknb/"
    # the robots-disallowed draft is requested; RobotsTxtMiddleware (not the spider) drops it
    assert found["report_page"] == {base + "ngg/202201/t20220110_900001.html", base + "202101/t20210129_123456.html"}
    # the page itself (index.html) is parsed already: not asked again
    assert found["list"] == {base + "2019n/index.html", base + "index_1.html", base + "index_2.html"}
    assert "attachment" not in found


def test_glist_column_takes_report_files_and_skips_notices_and_other_columns(saved_page) -> None:
    spider = DiscoverySpider(url="http://kjj.shenyang.gov.cn/kxjsj/zwgk/zfxxgknb/glist.html")
    found = requests_of(spider, spider.parse_list, saved_page("glist-shenyang-2020", start_meta(spider)))
    base = "http://kjj.shenyang.gov.cn/kxjsj/zwgk/zfxxgknb/"
    assert found["report_page"] == {base + "202001/t20200120_1044331.html", base + "201901/t20190125_1044330.html"}
    assert found["attachment"] == {base + "201803/P020180330512345678901.pdf"}
    assert found["list"] == {base + "glist1.html", base + "glist2.html"}


def test_year_folders_are_lists_and_other_domains_are_out_of_scope(saved_page) -> None:
    spider = DiscoverySpider(url="https://benxi.gov.cn/zw/zfxxgknb/2023nd/index.html")
    found = requests_of(spider, spider.parse_list, saved_page("generic-pager", start_meta(spider)))
    base = "https://benxi.gov.cn/zw/zfxxgknb/2023nd/"
    assert found["report_page"] == {base + "bmzfxxgkgzndbg2023/content_619634", base + "bmzfxxgkgzndbg2023/content_619546"}
    assert found["list"] == {
        base + "bmzfxxgkgzndbg2023/", base + "szfxxgkgzndbg/", base + "index_1.html", base + "index_2.html"
    }


def test_hanweb_cdata_records_are_opened(saved_page) -> None:
    spider = DiscoverySpider(url="http://www.changle.gov.cn/col/col4296/index.html")
    found = requests_of(spider, spider.parse_list, saved_page("hanweb-column", start_meta(spider)))
    assert found["report_page"] == {
        "http://www.changle.gov.cn/art/2024/1/20/art_4296_2815001.html",
        "http://www.changle.gov.cn/art/2023/1/18/art_4296_2700002.html",
    }


def test_report_page_yields_its_attachment_only(saved_page) -> None:
    spider = DiscoverySpider(url="http://portal.test/zwgk/zfxxgknb/index.html")
    page = saved_page("portal-trs-article-pdf", start_meta(spider))
    requests = list(spider.parse_report(page))
    assert [r.url for r in requests] == ["http://portal.test/zwgk/zfxxgknb/202101/P020210129000000700001.pdf"]
    assert requests[0].meta["harvester"] == {
        "kind": "attachment",
        "site": "portal-test",
        "link_text": "沈阳市工业和信息化局2020年政府信息公开工作报告.pdf",
        "referer": page.url,
        "scope": "http://portal.test/zwgk/zfxxgknb/index.html",  # redirects may not leave the column's site
    }
    assert "playwright" not in requests[0].meta  # documents never go through the browser


def test_js_built_list_is_rendered_again_with_the_browser(saved_page) -> None:
    spider = DiscoverySpider(url="http://portal.test/cysz/xxgk/zfxxgknb/index.html")
    page = saved_page("portal-json-shell", start_meta(spider))
    [request] = list(spider.parse_list(page))
    assert request.url == page.url and request.dont_filter
    assert request.meta["playwright"] is True and request.meta["harvester"]["kind"] == "list"


def test_an_answer_in_json_is_no_page_and_breaks_nothing() -> None:
    """A report link or list page answered with JSON (an API's error, a list endpoint): Scrapy reads it as
    a JSON selector, which has no element tree; the spider finds nothing there and raises nothing."""
    spider = DiscoverySpider(url="http://portal.test/zwgk/zfxxgknb/index.html")
    body = b'{"code": 404, "msg": "\\u9875\\u9762\\u4e0d\\u5b58\\u5728", "data": [{"url": "/a/t1.html"}]}'
    for url, callback in (("http://portal.test/zwgk/zfxxgknb/t1.html", spider.parse_report),
                          ("http://portal.test/zwgk/zfxxgknb/index_1.html", spider.parse_list)):
        request = Request(url, meta={**start_meta(spider), "harvester": {"kind": "report_page"}})
        answer = TextResponse(url, body=body, headers={"Content-Type": "application/json"}, request=request)
        assert answer.selector.type == "json"  # what makes it no page
        assert list(callback(answer)) == []

