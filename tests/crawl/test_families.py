"""CMS families on saved pages: TRS createPageHTML / countPage, glist, pager links, Hanweb CDATA, JS lists."""

from __future__ import annotations

from scrapy.http import HtmlResponse

from harvester.crawl.families import LOOKAHEAD_PAGES, GlistFamily, HanwebFamily, JsonListFamily, NextLinkFamily, TrsFamily

PORTAL = "http://portal.test/zwgk/zfxxgknb/"
GLIST = "http://kjj.shenyang.gov.cn/kxjsj/zwgk/zfxxgknb/"


def test_trs_pages_come_from_create_page_html(saved_page) -> None:
    page = saved_page("portal-trs-index")  # createPageHTML(3, 0, "index", "html"), no pager links at all
    assert TrsFamily().pagination(page) == [PORTAL + "index.html", PORTAL + "index_1.html", PORTAL + "index_2.html"]
    assert NextLinkFamily().pagination(page) == []


def test_trs_count_page_variable(saved_page) -> None:
    page = saved_page("trs-countpage")  # var countPage = 4 on page index_2.html
    folder = "https://www.shenyang.gov.cn/zwgk/zfxxgkndgzbg/2023nb/bmnb2023/"
    assert TrsFamily().pagination(page) == [folder + name for name in ("index.html", "index_1.html", "index_2.html", "index_3.html")]


def test_trs_pages_past_the_current_one_are_bounded_by_the_look_ahead() -> None:
    script = 'var currentPage = 3;\nvar countPage = 60;\ncreatePageHTML(countPage, currentPage, "index", "shtml");'
    url = PORTAL + "index_3.shtml"
    page = HtmlResponse(url, body=f"<html><body><script>{script}</script></body></html>".encode(), encoding="utf-8")
    expected = ["index.shtml"] + [f"index_{n}.shtml" for n in range(1, 4 + LOOKAHEAD_PAGES)]
    assert TrsFamily().pagination(page) == [PORTAL + name for name in expected]


def test_trs_pages_of_the_six_argument_call_naming_its_pager_element_and_record_count() -> None:
    """createPageHTML('page_div', pages, current, name, ext, records), as many provincial TRS templates print it."""
    script = "createPageHTML('page_div',4, 0,'xlist','shtml',37);"
    page = HtmlResponse(PORTAL + "xlist.shtml", body=f"<html><body><div id='page_div'></div><script>{script}</script>"
                        "</body></html>".encode(), encoding="utf-8")
    assert TrsFamily().pagination(page) == [PORTAL + name for name in
                                            ("xlist.shtml", "xlist_1.shtml", "xlist_2.shtml", "xlist_3.shtml")]


def test_glist_pages(saved_page) -> None:
    page = saved_page("glist-shenyang-2020")
    # the family sees every glist page, also the 指南 column's; keeping to the column is the spider's job
    other_column = "http://kjj.shenyang.gov.cn/kxjsj/zwgk/zfxxgkzn/glist.html"
    assert GlistFamily().pagination(page) == [other_column] + [GLIST + n for n in ("glist.html", "glist1.html", "glist2.html")]
    # 下一页 and 尾页 are pager links; 首页 ("home"/"first") is skipped: it is usually the site home
    assert NextLinkFamily().pagination(page) == [GLIST + "glist1.html", GLIST + "glist2.html"]


def test_numbered_pager(saved_page) -> None:
    page = saved_page("generic-pager")
    folder = "https://benxi.gov.cn/zw/zfxxgknb/2023nd/"
    assert NextLinkFamily().pagination(page) == [folder + "index_1.html", folder + "index_2.html", folder + "index_1.html"]


def test_hanweb_records_hidden_in_cdata(saved_page) -> None:
    page = saved_page("hanweb-column")
    links = HanwebFamily().extra_links(page)
    assert [link.url for link in links] == [
        "http://www.changle.gov.cn/art/2024/1/20/art_4296_2815001.html",
        "http://www.changle.gov.cn/art/2023/1/18/art_4296_2700002.html",
        "http://www.changle.gov.cn/art/2022/5/6/art_4296_2600003.html",
    ]
    assert links[0].text == "昌乐县科学技术局2023年政府信息公开工作年度报告"


def test_json_list_needs_a_browser_only_when_no_links_were_found(saved_page) -> None:
    shell = saved_page("portal-json-shell")  # GBK shell page: fetch('/cysz/api/list?page=' + page)
    assert JsonListFamily().needs_browser(shell, candidates=0)
    assert not JsonListFamily().needs_browser(shell, candidates=1)
    assert not JsonListFamily().needs_browser(saved_page("portal-trs-index"), candidates=0)
