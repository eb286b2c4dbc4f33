"""Real reports exactly as their agencies published them (tests/fixtures/real/): every cell
equals the hand-checked truth, and the report's template, year and agency are read."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pytest

from harvester.parse import parse_bytes
from harvester.parse import parse_file as parse_uncached
from harvester.parse.carriers.pdf import extract
from harvester.parse.model import Paragraph
from pdf_edit import mislabel_digit, replace_number

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "real"


def real_reports() -> list[Path]:
    folders = sorted(p for p in REAL.iterdir() if (p / "truth.json").is_file())
    assert folders, f"no real reports under {REAL}"
    return folders


def source(folder: Path) -> Path:
    (path,) = folder.glob("source.*")
    return path


@functools.cache
def parse(folder: Path):
    return parse_uncached(source(folder))


def truth(folder: Path) -> dict:
    return json.loads((folder / "truth.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("folder", real_reports(), ids=lambda p: p.name)
def test_every_cell_equals_the_truth(folder: Path) -> None:
    expected = truth(folder)["cells"]
    assert len(expected) >= 100
    result = parse(folder)
    wrong = {k: (result.facts.get(k, "<missing>"), v) for k, v in expected.items()
             if result.facts.get(k, "<missing>") != v}
    assert not wrong, (f"{len(wrong)} of {len(expected)} cells differ (got, truth): "
                       f"{dict(list(wrong.items())[:12])}")
    extra = sorted(set(result.facts) - set(expected))
    assert not extra, f"facts the report does not print: {extra[:10]}"


@pytest.mark.parametrize("folder", real_reports(), ids=lambda p: p.name)
def test_template_year_and_agency(folder: Path) -> None:
    expected = truth(folder)
    result = parse(folder)
    assert result.kind == "report", result.errors
    assert (result.template, result.year, result.agency) == (
        expected["template"], expected["year"], expected["agency"])


@pytest.mark.parametrize("folder", real_reports(), ids=lambda p: p.name)
def test_every_verified_cell_is_the_printed_value(folder: Path) -> None:
    expected = truth(folder)["cells"]
    result = parse(folder)
    verified = [k for k, status in result.cell_status.items() if status == "verified"]
    assert len(verified) >= len(expected) // 2, result.cell_status
    assert {k: result.facts[k] for k in verified} == {k: expected[k] for k in verified}
    assert set(result.cell_status) == set(result.facts)


# One printed number changed in the real file: (folder, page, printed, altered, its key).
ALTERATIONS = [
    ("jiangsu_huaian_city_2024", 4, "447", "449", "result.partial.natural_person"),
    ("jiangsu_huaian_city_2024", 5, "178", "179", "review.other"),
]


@pytest.mark.parametrize("alteration", ALTERATIONS, ids=lambda a: f"{a[0]}:{a[4]}")
def test_an_altered_cell_is_read_as_printed_and_never_verified(alteration) -> None:
    name, page, printed, altered, key = alteration
    data = replace_number(source(REAL / name).read_bytes(), page, printed, altered)
    result = parse_bytes(data, f"{name}-altered.pdf")
    assert result.facts[key] == int(altered)  # what the page prints, never "corrected"
    assert result.cell_status[key] != "verified"
    failed = [c for c in result.checks if c.passed is False and key in c.keys]
    assert failed, "the altered cell breaks an identity of the report"
    for check in failed:
        assert all(result.cell_status.get(k) != "verified" for k in check.keys), check.name
    assert "ocr" in result.where[key]["readings"], "a failed identity calls the third reading"
    untouched = parse(REAL / name)
    assert untouched.cell_status[key] == "verified"


# A text layer that misnames one digit: (folder, page, printed number, digit index, read as, key).
LIES = [("jiangsu_huaian_city_2024", 4, "447", 2, "9", "result.partial.natural_person")]


@pytest.mark.parametrize("lie", LIES, ids=lambda a: f"{a[0]}:{a[5]}")
def test_a_text_layer_that_lies_is_settled_by_the_page_picture(lie) -> None:
    name, page, printed, position, says, key = lie
    data = mislabel_digit(source(REAL / name).read_bytes(), page, printed, position, says)
    result = parse_bytes(data, f"{name}-lying.pdf")
    assert result.facts[key] == truth(REAL / name)["cells"][key] == int(printed)
    assert result.cell_status[key] == "settled"
    assert result.where[key]["readings"] == ["ocr"] and result.where[key]["method"] == "ocr"
    assert all(check.passed is not False for check in result.checks)


@pytest.mark.parametrize("folder", real_reports(), ids=lambda p: p.name)
def test_running_page_numbers_are_not_read_as_prose(folder: Path) -> None:
    paragraphs = [p.text for p in extract(source(folder).read_bytes()).paragraphs()]
    assert paragraphs
    stuck = [text[-40:] for text in paragraphs if re.search(r"[-—]\s*\d{1,3}\s*[-—]$", text)]
    assert not stuck, stuck


@pytest.mark.parametrize("folder", real_reports(), ids=lambda p: p.name)
def test_a_paragraph_cut_by_a_page_break_is_one_paragraph(folder: Path) -> None:
    """Where prose meets a page break the paragraph before it has ended its sentence
    (the real report's three cut paragraphs, "…将栏目不更" | "新、…", are whole again)."""
    blocks = extract(source(folder).read_bytes()).blocks
    at_breaks = [(a.text, b.text) for a, b in zip(blocks, blocks[1:])
                 if isinstance(a, Paragraph) and isinstance(b, Paragraph) and a.page != b.page]
    assert at_breaks
    cut = [(a[-20:], b[:20]) for a, b in at_breaks if not a.endswith(("。", "：", "；", "！", "？"))]
    assert cut == []


@pytest.mark.parametrize("folder", real_reports(), ids=lambda p: p.name)
def test_both_readings_agree_on_two_column_tables_and_under_letter_spaced_headers(
        folder: Path) -> None:
    """The second reading (words placed without rules) reads table 2's two-column sub-tables,
    whose header sits a padded row above their one value row, and table 3's first rows under
    the letter-spaced "商 业 企 / 业" headers, so those cells are read twice and verified."""
    status = parse(folder).cell_status
    table2 = [key for key in status if key.startswith("active.")]
    first_rows = [key for key in status if key.startswith(("apply.", "result.granted."))]
    assert table2 and first_rows
    assert {key: status[key] for key in table2 + first_rows if status[key] != "verified"} == {}
    verified = sum(value == "verified" for value in status.values())
    assert verified >= 0.95 * len(truth(folder)["cells"])
