"""The numbers the prose states, checked against the tables: a check of their own, data
when they disagree (never a correction), and no check for what the prose does not state."""

from __future__ import annotations

import json
import re
from pathlib import Path

from harvester.parse import parse_bytes, parse_file
from harvester.parse.interpret import interpret
from harvester.parse.interpret.narrative import NARRATIVE_PREFIX
from harvester.parse.model import Cell, Extract, Paragraph, ParseResult, Table

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REAL = FIXTURES / "real" / "jiangsu_huaian_city_2024"
SEED = FIXTURES / "reports" / "003_fd5e2081a75f95e0" / "003_fd5e2081a75f95e0.txt"
SILENT_SEED = FIXTURES / "reports" / "000_c6cf585c495c9a5f" / "000_c6cf585c495c9a5f.txt"
STATED = "共受理依申请公开1件"  # seed 003's prose; its table prints apply.new.total = 1


def narrative(result: ParseResult) -> dict[str, tuple[bool | None, str]]:
    return {c.name.removeprefix(NARRATIVE_PREFIX): (c.passed, c.detail)
            for c in result.checks if c.name.startswith(NARRATIVE_PREFIX)}


def test_the_real_reports_prose_agrees_with_its_tables() -> None:
    cells = json.loads((REAL / "truth.json").read_text(encoding="utf-8"))["cells"]
    checks = narrative(parse_file(REAL / "source.pdf"))
    assert {"apply_received", "apply_carried_over", "apply_answered", "carry_forward",
            "review.total", "litigation.total"} <= set(checks)
    assert all(passed for passed, _ in checks.values()), checks
    # The prose's 行政诉讼 counts both kinds of lawsuit: it is checked against their sum.
    stated = int(re.search(r"states (\d+)", checks["litigation.total"][1]).group(1))
    assert stated == cells["litigation.direct.total"] + cells["litigation.after_review.total"]


def test_prose_that_disagrees_is_a_failed_check_and_the_table_is_kept() -> None:
    text = SEED.read_text(encoding="utf-8")
    assert STATED in text
    honest = parse_bytes(text.encode(), "seed.txt")
    altered = parse_bytes(text.replace(STATED, "共受理依申请公开5件").encode(), "seed.txt")
    assert narrative(honest)["apply_received"][0] is True
    passed, detail = narrative(altered)["apply_received"]
    assert passed is False and "states 5" in detail and "apply.new.total = 1" in detail
    assert altered.facts == honest.facts
    table_checks = [c for c in altered.checks if not c.name.startswith(NARRATIVE_PREFIX)]
    assert table_checks and all(c.passed for c in table_checks)


def test_a_number_the_prose_does_not_state_gives_no_check() -> None:
    result = parse_file(SILENT_SEED)  # its prose counts requests in 次, not 件
    assert len(result.facts) > 100
    assert narrative(result) == {}


ROWS = [["一、本年新收政府信息公开申请数量", "5", "1", "", "", "", "", "6"],
        ["二、上年结转政府信息公开申请数量", "1", "", "", "", "", "", "1"],
        ["三、本年度办理结果", "（一）予以公开", "3", "1", "", "", "", "", "4"],
        ["", "（七）总计", "5", "1", "", "", "", "", "6"],
        ["四、结转下年度继续办理", "1", "", "", "", "", "", "1"]]


def _interpret(prose: str) -> dict[str, tuple[bool | None, str]]:
    table = Table(0, [[Cell(t, i, j) for j, t in enumerate(r)] for i, r in enumerate(ROWS)])
    extract = Extract("text", "text", [
        Paragraph("某某局2021年政府信息公开工作年度报告"), Paragraph("一、总体情况"),
        Paragraph(prose), Paragraph("三、收到和处理政府信息公开申请情况"), table])
    return narrative(interpret(extract, ParseResult("x", "", "text")))


def test_a_count_that_includes_the_carried_over_requests_is_checked_against_both() -> None:
    checks = _interpret("全年共收到政府信息公开申请 7 件（含上年结转 1 件）。")
    assert checks["apply_received"][0] is True
    assert "apply.new.total + apply.carried_over.total = 7" in checks["apply_received"][1]


def test_reviews_and_lawsuits_counted_together_give_no_review_check() -> None:
    checks = _interpret("本年度发生政府信息公开行政复议、行政诉讼 0 件。")
    assert "review.total" not in checks and "litigation.total" not in checks
    checks = _interpret("本年度发生政府信息公开行政复议 2 件，其中结果维持 2 件。")
    assert checks["review.total"] == (None, 'prose "行政复议2件" states 2; not printed: review.total')
