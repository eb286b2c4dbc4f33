"""Title, agency and year as real files print them: two-line titles, generic metadata
titles, portal metadata blocks (never their labels) and signatures."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from harvester.parse import parse_bytes, parse_file
from harvester.parse.carriers import pdf
from harvester.parse.interpret import interpret
from harvester.parse.model import Extract, Paragraph, ParseResult

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIXTURES))
from cms_pages import Page, cms_page  # noqa: E402

REAL = FIXTURES / "real" / "jiangsu_huaian_city_2024"
SEED = FIXTURES / "reports" / "003_fd5e2081a75f95e0" / "003_fd5e2081a75f95e0.txt"
SEED_YEAR = 2019
AGENCY = "沭阳县发展和改革局"
LABELS = ("标题", "发布机构", "来源", "索引号", "发文机关", "发文日期", ":", "：")


def test_the_real_wps_pdf_gives_the_agency_and_year_of_its_two_line_title() -> None:
    truth = json.loads((REAL / "truth.json").read_text(encoding="utf-8"))
    data = (REAL / "source.pdf").read_bytes()
    assert pdf.extract(data).title == "政府信息公开工作年度报告"  # the generic metadata Title
    result = parse_file(REAL / "source.pdf")
    assert (result.agency, result.year) == (truth["agency"], truth["year"])
    assert (result.agency_source, result.year_source) == ("title", "title")
    assert result.title.startswith(truth["agency"])


def _interpret(paragraphs: list[str], title: str | None = None) -> ParseResult:
    extract = Extract("text", "text", [Paragraph(p) for p in paragraphs], title=title)
    return interpret(extract, ParseResult("x", "", "text"))


SECTIONS = ["一、总体情况", "全年主动公开信息100条。", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况"]


def test_a_two_line_title_wins_over_a_generic_metadata_title() -> None:
    result = _interpret(["淮安市人民政府", "2024 年政府信息公开工作年度报告", *SECTIONS],
                        title="政府信息公开工作年度报告")
    assert (result.agency, result.year, result.title) == (
        "淮安市人民政府", 2024, "淮安市人民政府2024年政府信息公开工作年度报告")


@pytest.mark.parametrize("page_title", [
    f"沭阳县人民政府-{AGENCY}2023年政府信息公开工作年度报告",
    f"{AGENCY}2023年政府信息公开工作年度报告_沭阳县人民政府",
])
def test_the_portals_name_in_a_page_title_is_not_the_agency(page_title: str) -> None:
    result = _interpret(["2023年政府信息公开工作年度报告", *SECTIONS], title=page_title)
    assert (result.agency, result.year) == (AGENCY, 2023)


def test_a_metadata_field_above_a_title_is_not_an_agency() -> None:
    result = _interpret(["发文日期：2024-01-20", "2023年政府信息公开工作年度报告", *SECTIONS])
    assert (result.agency, result.year) == (None, 2023)


@pytest.mark.parametrize("page, source", [
    # The 标题 field names the agency: read it, without its label (seen: "标题:沭阳县发展和改革局").
    (Page(AGENCY, SEED_YEAR, "fields", metadata_title_names_agency=True), "title"),
    (Page(AGENCY, SEED_YEAR, "table", metadata_title_names_agency=True), "title"),
    # Only the page's 发布机构 (or 来源) and the signature name the agency.
    (Page(AGENCY, SEED_YEAR, "table"), "publisher"),
    (Page(AGENCY, SEED_YEAR, "fields"), "publisher"),
    (Page(AGENCY, SEED_YEAR, "source_line"), "publisher"),
    (Page(AGENCY, SEED_YEAR, "none"), "signature"),
], ids=lambda p: p.metadata if isinstance(p, Page) else p)
def test_cms_article_pages_name_their_agency_without_a_label(page: Page, source: str) -> None:
    result = parse_bytes(cms_page(SEED, page), "page.html")
    assert result.kind == "report" and len(result.facts) > 100
    assert (result.agency, result.year) == (AGENCY, SEED_YEAR)
    assert result.agency_source == source
    assert not any(label in result.agency for label in LABELS)


def test_a_page_naming_its_agency_nowhere_has_none() -> None:
    page = Page(AGENCY, SEED_YEAR, "none", signature=False)
    result = parse_bytes(cms_page(SEED, page), "page.html")
    assert result.kind == "report" and result.year == SEED_YEAR
    assert (result.agency, result.agency_source) == (None, None)


@pytest.mark.parametrize("ending, agency", [
    (["沭阳县发展和改革局", "2024年1月20日"], AGENCY),
    (["沭阳县发展和改革局", "二〇二四年一月二十日"], AGENCY),
    (["无。沭阳县发展和改革局2024年1月"], AGENCY),
    (["沭阳县发展和改革局", "2024 年 1 月 20 日", "- 6 -"], AGENCY),
    (["本报告统计期限至2024年12月31日"], None),  # a sentence ending with a date is no signature
    (["联系人：张三", "2024年1月20日"], None),  # a person is no agency
])
def test_the_signature_names_the_agency(ending: list[str], agency: str | None) -> None:
    result = _interpret(["2023年政府信息公开工作年度报告", *SECTIONS, "六、其他需要报告的事项", *ending])
    assert (result.agency, result.agency_source) == (agency, "signature" if agency else None)
