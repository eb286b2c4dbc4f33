"""Link recognition on titles and URL shapes seen on real portals (portals.md) and on saved pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from parsel import Selector

from harvester.crawl.links import (
    anchors,
    label,
    is_attachment,
    is_listing,
    is_report_title,
    normalise,
    page_links,
    registrable_domain,
    same_site,
    under_column,
)

PAGES = Path(__file__).with_name("pages")


@pytest.mark.parametrize(
    "title",
    [
        "沈阳市科学技术局2019年度政府信息公开工作年度报告",
        "沈阳市科学技术局2017年政府信息公开年报",
        "本溪高新区管委会2023年度政府信息公开工作报告",
        "沈阳市科学技术局政府信息\n公开工作年度报告（2019年度）",
        "2020年度报告",
        "政府信息公开工作年度报告",
        "２０２３年年报",
        "2023年度报告（图片版）",
        # agencies whose names hold words that also mark other pages (审计, 编制, 预算, 培训, 统计)
        "淮安市审计局2023年政府信息公开工作年度报告",
        "中共淮安市委机构编制委员会办公室2023年度政府信息公开工作年度报告",
        "市预算编制中心2022年政府信息公开工作年度报告",
        "XX县干部培训中心2021年度政府信息公开工作报告",
        "XX市统计局政府信息公开工作年度报告（2023年）",
        "XX区2023年政务公开工作年度报告",
    ],
)
def test_report_titles_are_recognised(title: str) -> None:
    assert is_report_title(title)


@pytest.mark.parametrize(
    "title",
    [
        "沈阳市科学技术局政府信息公开指南（2021年修订）",
        "沈阳市科学技术局政府信息公开制度（2019年）",
        "关于做好2017年度政府信息公开工作年度报告编制工作的通知",
        "《2020年政府信息公开年报》解读",
        "市科技局召开2021年全市科技工作会议",
        "召开2024年政府信息公开工作年度报告编制工作会议",
        "2024年政府信息公开工作年度报告编制培训班举办",
        "图解：2023年度政府信息公开工作年度报告",
        "2020年统计年报",
        "2020年部门决算",
        "",
        # other yearly reports every agency publishes, and notices about the disclosure report
        "XX市审计局2023年法治政府建设年度报告",
        "2023年度安全生产工作年度报告",
        "关于报送2023年度政府信息公开工作年度报告的函",
        "全市2023年度政府信息公开工作年度报告发布情况的通报",
        "关于开展2023年度企业年报工作的公告",
        "2023年度政府信息公开工作年度报告第三方评估结果",
    ],
)
def test_other_titles_are_not_reports(title: str) -> None:
    assert not is_report_title(title)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://jtw.beijing.gov.cn/xxgk/ztbxx/202604/P020260420648265052375.pdf", True),
        ("http://h/zwgk/zfxxgknb/202101/P020210129512345678901.docx", True),
        ("http://h/files/REPORT.PDF", True),
        ("http://h/uploadfiles/%E5%B9%B4%E6%8A%A5.wps", True),
        ("http://h/a/2024.xlsx", True),
        ("http://h/zwgk/zfxxgknb/202101/t20210129_123456.html", False),
        ("http://h/download.jsp?file=report.pdf", True),
        ("http://h/module/download/downfile.jsp?classid=0&filename=2401201530.pdf", True),
        ("http://h/attach/get.do?name=%E5%B9%B4%E6%8A%A5.docx", True),
        ("http://h/zwgk/index.jsp?filename=list", False),
    ],
)
def test_attachments_by_extension_or_trs_name(url: str, expected: bool) -> None:
    assert is_attachment(url) is expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.shenyang.gov.cn/zwgk/zfxxgkndgzbg/", True),
        ("http://h/zwgk/zfxxgknb/index_3.html", True),
        ("http://h/kxjsj/zwgk/zcfg/glist2.html", True),
        ("http://h/cysz/xxgk/zfxxgknb/index.html?page=1", True),
        ("https://www.ln.gov.cn/web/zwgkx/zfwj/605dc429-3.shtml", True),
        ("https://www.ln.gov.cn/web/zwgkx/zfxxgk1/2010zfxxgk_148535/2025/bmzfxxgkgzndbg/2026012914194811951/index.shtml", False),
        ("http://h/zwgk/zfxxgknb/202101/t20210129_123456.html", False),
        ("https://benxi.gov.cn/zw/zfxxgknb/2020nd/bmzfxxgkgzndbg1/content_507185", False),
    ],
)
def test_list_page_shapes(url: str, expected: bool) -> None:
    assert is_listing(url) is expected


def test_scope_by_registrable_domain_and_column_folder() -> None:
    assert registrable_domain("kjj.shenyang.gov.cn") == "shenyang.gov.cn"
    assert registrable_domain("127.0.0.1") == "127.0.0.1"
    assert same_site("https://kjj.shenyang.gov.cn/a", "http://www.shenyang.gov.cn/b")
    assert not same_site("https://www.ln.gov.cn/a", "https://benxi.gov.cn/b")
    column = "http://127.0.0.1:8000/zwgk/zfxxgknb/index.html"
    assert under_column("http://127.0.0.1:8000/zwgk/zfxxgknb/2019n/index.html", column)
    assert not under_column("http://127.0.0.1:8000/zwgk/gzdt/index.html", column)
    assert not under_column("http://127.0.0.1:9000/zwgk/zfxxgknb/index_1.html", column)


def test_anchors_resolve_join_lines_and_skip_javascript(saved_page) -> None:
    page = saved_page("glist-shenyang-2020")
    links = {link.url: link.text for link in anchors(page.selector, page.urljoin)}
    assert links["http://kjj.shenyang.gov.cn/kxjsj/zwgk/zfxxgknb/201901/t20190125_1044330.html"] == (
        "沈阳市科学技术局2018年度政府信息公开工作年度报告"
    )
    portal = saved_page("portal-trs-index")
    assert not [link for link in anchors(portal.selector, portal.urljoin) if "javascript" in link.url]


def test_a_link_text_cut_short_is_read_from_its_title() -> None:
    def text_of(html: str) -> str:
        return label(Selector(text=html).css("a")[0].root)

    full = "2024年度政府信息公开工作年度报告"
    assert text_of(f'<a href="x" title="{full}">2024年度政府信息公开...</a>') == full
    assert text_of(f'<a href="x" title="{full}">2024年度政府信息…</a>') == full
    assert text_of(f'<a href="x" title="栏目">{full}</a>') == full  # a whole text keeps itself
    assert text_of(f'<a href="x" title="{full}"> </a>') == full


def test_a_page_s_links_are_extracted_once_for_the_spider_and_every_family(saved_page) -> None:
    page = saved_page("glist-shenyang-2020")
    links = page_links(page)
    assert len(links) > 5 and page_links(page) is links  # NextLink and glist families read these too
    assert list(links) == anchors(page.selector, page.urljoin)


def test_link_texts_are_the_anchors_texts_as_parsel_reads_them(saved_page) -> None:
    texts, differing = 0, []
    for name in sorted(path.stem for path in PAGES.glob("*.html")):
        page = saved_page(name)
        by_parsel: dict[str, set[str]] = {}
        for anchor in page.css("a[href]"):
            url = page.urljoin(anchor.attrib["href"].strip()).split("#", 1)[0]
            by_parsel.setdefault(url, set()).add(normalise(" ".join(anchor.css("::text").getall())))
        links = [link for link in anchors(page.selector, page.urljoin) if link.text]
        texts += len(links)
        differing += [(name, link) for link in links if link.text not in by_parsel[link.url]]
    assert texts > 30 and differing == []
