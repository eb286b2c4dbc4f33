"""The interpretation on small hand-made extracts: the quirks of the spec, one at a time."""

from __future__ import annotations

import pytest

from harvester.parse.interpret import interpret
from harvester.parse.interpret.labels import table2_column, table3_row_key
from harvester.parse.interpret.values import Value, read_value
from harvester.parse.model import Cell, Extract, Paragraph, ParseResult, Table


@pytest.mark.parametrize("text, value", [
    ("0", Value(0)), (" 12 ", Value(12)), ("１２３", Value(123)), ("1,234", Value(1234)),
    ("-675", Value(-675)), ("0.0436 亿元", Value(0.0436, "亿元")), ("251000元", Value(251000, "元")),
    ("", Value(None)), ("\u00a0", Value(None)), ("—", Value(None)), ("/", Value(None)),
])
def test_cells_read_as_values(text: str, value: Value) -> None:
    assert read_value(text) == value


@pytest.mark.parametrize("text", ["规章", "1.属于国家秘密", "总计", "12件事", "2024年"])
def test_labels_are_not_values(text: str) -> None:
    assert read_value(text) is None


@pytest.mark.parametrize("label, group, key", [
    ("2.其他法律行政止公开", "denied", "result.denied.law_prohibited"),  # typo seen in real reports
    ("1、本机关不掌握相关政府信息", "unable", "result.unable.not_held"),
    ("3.要求提供公开出版", "not_processed", "result.not_processed.publication"),  # cut at a page break
    ("4.无正当理由大量反复申请", "not_processed", "result.not_processed.massive_repeated"),
    ("3.其他", "other", "result.other.other"),
    ("(六)其他处理", "other", "result.other.single"),
    ("(七)总计", "other", "result.total"),
])
def test_table3_labels(label: str, group: str, key: str) -> None:
    assert table3_row_key(label, group) == key


def _table(rows: list[list[str]]) -> Table:
    return Table(0, [[Cell(t, i, j) for j, t in enumerate(r)] for i, r in enumerate(rows)])


def _parse(blocks) -> ParseResult:
    return interpret(Extract("text", "text", blocks), ParseResult("x", "", "text"))


ROWS_2021 = [
    ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况"],
    ["", "自然人", "法人或其他组织", "总计"],
    ["一、本年新收政府信息公开申请数量", "5", "1", "", "", "", "", "6"],
    ["二、上年结转政府信息公开申请数量", "1", "", "", "", "", "", "1"],
    ["三、本年度办理结果", "（一）予以公开", "3", "1", "", "", "", "", "4"],
    ["（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
     "1", "", "", "", "", "", "1"],
    ["", "3.其他", "1", "", "", "", "", "", "1"],
    ["", "（七）总计", "5", "1", "", "", "", "", "7"],  # printed wrong: 5 + 1 = 6
    ["四、结转下年度继续办理", "1", "", "", "", "", "", "1"],
]


def test_a_wrong_printed_sum_is_kept_and_flagged_never_fixed() -> None:
    result = _parse([Paragraph("某某局2021年政府信息公开工作年度报告"), _table(ROWS_2021)])
    assert result.facts["result.total.total"] == 7
    failed = {c.name for c in result.checks if c.passed is False}
    assert "table3.row_sum.result.total" in failed
    assert "table3.balance.total" in failed  # 6 + 1 != 7 + 1
    assert result.facts["result.other.other.natural_person"] == 1
    assert result.template == "2021"
    assert (result.agency, result.year) == ("某某局", 2021)


@pytest.mark.parametrize("garbled", ["I1", "1l", "O1", "1O"])
def test_a_number_printed_with_a_look_alike_letter_keeps_its_column_and_is_not_read(garbled: str) -> None:
    """'I1' (an OCR slip, or a typist's letter for a digit) is a value cell that cannot be read,
    not part of the row's label: the cells right of it stay in their own columns."""
    rows = [list(r) for r in ROWS_2021]
    rows[2] = ["一、本年新收政府信息公开申请数量", garbled, "1", "2", "", "", "", "6"]
    result = _parse([Paragraph("某某局2021年政府信息公开工作年度报告"), _table(rows)])
    assert "apply.new.natural_person" not in result.facts
    assert (result.facts["apply.new.commercial"], result.facts["apply.new.research"],
            result.facts["apply.new.total"]) == (1, 2, 6)
    assert any(garbled in e and "apply.new.natural_person" in e for e in result.errors), result.errors
    row_sum = next(c for c in result.checks if c.name == "table3.row_sum.apply.new")
    assert row_sum.passed is None  # the sum cannot be checked without the unread cell


def test_a_short_row_that_stops_before_the_tables_last_column_fills_the_first_columns() -> None:
    """A row printed without its last cells (a tab export dropping trailing blanks) keeps its
    counts in the first columns: only a short row reaching the last column is its last cells."""
    rows = [list(r) for r in ROWS_2021]
    rows[3] = ["二、上年结转政府信息公开申请数量", "1", "", "", "", ""]
    result = _parse([Paragraph("某某局2021年政府信息公开工作年度报告"), _table(rows)])
    assert result.facts["apply.carried_over.natural_person"] == 1
    assert "apply.carried_over.total" not in result.facts
    assert any("apply.carried_over: 5 of 7" in e for e in result.errors), result.errors


def test_a_table_split_across_pages_maps_as_one_stream() -> None:
    first, second = _table(ROWS_2021[:5]), _table(ROWS_2021[5:])
    second.index = 1
    whole = _parse([Paragraph("某某局2021年政府信息公开工作年度报告"), _table(ROWS_2021)])
    split = _parse([Paragraph("某某局2021年政府信息公开工作年度报告"), first, second])
    assert split.facts == whole.facts
    assert split.where["carry_forward.total"]["table"] == 1


def test_a_news_page_is_not_forced_into_facts() -> None:
    result = _parse([Paragraph("市科技局召开政务公开工作会议"), Paragraph("会议指出，要做好年度报告编制。"),
                     _table([["姓名", "职务"], ["张三", "局长"]])])
    assert result.kind == "not_report"
    assert result.facts == {}
    assert "not an annual report" in result.errors[-1]


def test_a_portal_heading_without_year_does_not_hide_the_reports_own_title() -> None:
    result = _parse([Paragraph("沈阳市科学技术局政府信息公开工作年度报告"),  # the portal's page heading
                     Paragraph("时间:2020-01-20来源:沈阳市科学技术局"),
                     Paragraph("沈阳市科学技术局政府信息"), Paragraph("公开工作年度报告"),
                     Paragraph("（2019年度）"), _table(ROWS_2021)])
    assert (result.agency, result.year) == ("沈阳市科学技术局", 2019)


@pytest.mark.parametrize("header, column", [
    ("上一年项目数量", "prev_count"), ("土一年项目数量", "prev_count"),  # an OCR slip seen on a noisy scan
    ("采购项目数量", "count"), ("本年增/减", "change"), ("本年收费金额（单位：万元）", "amount"),
])
def test_table2_headers(header: str, column: str) -> None:
    assert table2_column(header) == column
