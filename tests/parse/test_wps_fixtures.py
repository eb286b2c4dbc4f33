"""The seed reports as WPS 文字 exports them (tests/fixtures/build_wps.py).

First, each built PDF is checked for the traits that make real WPS exports hard to read
(tests/fixtures/real/, shared/real-reports/README.md), on the PDF itself with pdfplumber
and pikepdf, so the builder cannot drift into writing LibreOffice-like files. Then the
parser must read each one to exactly the seed's golden facts (`wps_golden`).
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pikepdf
import pytest

from harvester.parse import parse_file
from harvester.parse.carriers import pdf as pdf_carrier

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIXTURES))
import build_wps  # noqa: E402
import canonical  # noqa: E402

SEEDS = [seed.name for seed in build_wps.seeds()]
RULE_WIDTH = 0.48
LINE_BACKGROUND = (444.25, 28.0)  # a white background behind one prose line
MIN_TABLE_PAGE_FILLS = 100  # real table pages carry over a hundred shading rectangles
ROW_EDGE_GAP = 2.0  # points between a rectangle's edge and the nearest ruling
BREAK_LINES = 3  # text lines either side of a page break that can hold a cut label
SECTION_ROW = re.compile(r"^第二十条 第（[一二三四五六七八九十]+）项$")


@pytest.fixture(scope="session")
def wps_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every seed built as a WPS PDF, once per session."""
    out = tmp_path_factory.mktemp("wps")
    for seed in build_wps.seeds():
        build_wps.build(seed, out)
    return out


def pdf_path(wps_dir: Path, seed: str) -> Path:
    return wps_dir / f"{seed}{build_wps.SUFFIX}"


def expected(seed: str) -> dict:
    return json.loads((build_wps.REPORTS / seed / "expected.json").read_text(encoding="utf-8"))


@functools.cache
def parsed(path: Path):
    """Each built PDF parsed once per session; the golden tests only read the result."""
    return parse_file(path)


@functools.cache
def report(seed: str) -> canonical.Report:
    return canonical.load(build_wps.REPORTS / seed / f"{seed}.txt")


def grids(seed: str) -> list[canonical.Grid]:
    return [b for b in report(seed).blocks if isinstance(b, canonical.Grid)]


@dataclass
class PageObjects:
    """What pdfplumber sees on one page: rulings, rectangles, characters and text lines."""

    lines: list[dict]
    rects: list[dict]
    chars: list[dict]
    text_lines: list[dict]

    def table_lines(self) -> list[str]:
        """Text lines between the page's first and last ruling (its tables), top to bottom."""
        if not self.lines:
            return []
        top, bottom = min(r["top"] for r in self.lines), max(r["bottom"] for r in self.lines)
        return [line["text"] for line in self.text_lines
                if top < line["top"] and line["bottom"] < bottom]


@functools.cache
def plumbed(path: Path) -> list[PageObjects]:
    """Each built PDF read by pdfplumber once; the trait tests only look at the result."""
    with pdfplumber.open(path) as pdf:
        return [PageObjects(page.lines, page.rects, page.chars, page.extract_text_lines())
                for page in pdf.pages]


# ------------------------------------------------------------ (a) the traits of a WPS export

@pytest.mark.parametrize("seed", SEEDS)
def test_rulings_are_thin_strokes_and_the_pages_carry_many_filled_rectangles(
        wps_dir: Path, seed: str) -> None:
    pages = plumbed(pdf_path(wps_dir, seed))
    lines = [line for page in pages for line in page.lines]
    rects = [rect for page in pages for rect in page.rects]
    assert lines and all(line["stroke"] for line in lines)
    assert {round(line["linewidth"], 2) for line in lines} == {RULE_WIDTH}
    assert rects and all(r["fill"] and not r["stroke"] for r in rects)
    backgrounds = [r for r in rects if (round(r["width"], 2), round(r["height"], 2))
                   == LINE_BACKGROUND and r["non_stroking_color"] == (1, 1, 1)]
    assert len(backgrounds) >= 5
    assert pages[0].rects and not pages[0].lines  # prose over backgrounds, no table
    assert max(len(page.rects) for page in pages if page.lines) >= MIN_TABLE_PAGE_FILLS
    # backgrounds of wrapped label lines: rectangle edges inside rows, where no row ends
    inside_rows = [r for page in pages for r in page.rects if page.lines
                   and r["width"] < LINE_BACKGROUND[0]
                   and min(abs(r["top"] - line["top"]) for line in page.lines) > ROW_EDGE_GAP]
    assert len(inside_rows) >= 10


@pytest.mark.parametrize("seed", SEEDS)
def test_fonts_are_embedded_cid_truetype_and_vertical_labels_use_identity_v(
        wps_dir: Path, seed: str) -> None:
    path = pdf_path(wps_dir, seed)
    with pikepdf.open(path) as pdf:
        fonts = {font.objgen: font for page in pdf.pages
                 for font in page.Resources.Font.values()}
        encodings = Counter(str(font.Encoding) for font in fonts.values())
        for font in fonts.values():
            descendant = font.DescendantFonts[0]
            assert (font.Subtype, descendant.Subtype) == ("/Type0", "/CIDFontType2")
            assert "/FontFile2" in descendant.FontDescriptor
            assert re.match(r"^/[A-Z]{6}\+", str(font.BaseFont))
        vertical_names = {str(f.BaseFont)[1:] for f in fonts.values()
                          if f.Encoding == "/Identity-V"}
    assert set(encodings) == {"/Identity-H", "/Identity-V"}
    label = next(c.text for grid in grids(seed) for c in grid.cells
                 if c.rowspan > 1 and canonical.TOP.match(c.text))  # 三、本年度办理结果
    chars = [c for page in plumbed(path) for c in page.chars if c["fontname"] in vertical_names]
    assert "".join(c["text"] for c in chars) == "".join(label.split())
    assert len({round(c["x0"], 1) for c in chars}) == 1  # one column, one character a line
    lines = [(c["page_number"], c["top"]) for c in chars]
    assert lines == sorted(lines) and len(set(lines)) == len(lines)


@pytest.mark.parametrize("seed", SEEDS)
def test_text_is_drawn_with_wps_matrices(wps_dir: Path, seed: str) -> None:
    """The page flipped once, every text matrix scaled 0.05 and the font size 20x the
    printed one: what trips a reader that takes the Tf operand for the type size."""
    with pikepdf.open(pdf_path(wps_dir, seed)) as pdf:
        for page in pdf.pages:
            ops = pikepdf.parse_content_stream(page)
            assert [float(v) for v in ops[1].operands] == [1, 0, 0, -1, 0, 842]
            matrices = {tuple(float(v) for v in op.operands[:4])
                        for op in ops if str(op.operator) == "Tm"}
            assert matrices == {(0.05, 0, 0, -0.05)}
            assert min(float(op.operands[1]) for op in ops if str(op.operator) == "Tf") > 100


@pytest.mark.parametrize("seed", SEEDS)
def test_title_is_two_lines_and_the_metadata_title_says_nothing(wps_dir: Path, seed: str) -> None:
    facts = expected(seed)
    path = pdf_path(wps_dir, seed)
    first = [line["text"] for line in plumbed(path)[0].text_lines[:2]]
    assert first == [facts["agency"], f"{facts['year']} 年政府信息公开工作年度报告"]
    with pikepdf.open(path) as pdf:
        assert str(pdf.docinfo.get("/Title", "")) in ("", "政府信息公开工作年度报告")


@pytest.mark.parametrize("seed", SEEDS)
def test_tables_are_cut_by_page_breaks_where_real_ones_are(wps_dir: Path, seed: str) -> None:
    """A 第二十条 heading row ends one page and its rows open the next; a group label of
    table 3 is cut by the break ("（四）无" | "法提供")."""
    groups = {c.text for grid in grids(seed) for c in grid.cells
              if c.col == 1 and c.rowspan > 1}
    tables = [page.table_lines() for page in plumbed(pdf_path(wps_dir, seed))]
    pairs = [(tables[i], tables[i + 1]) for i in range(len(tables) - 1)
             if tables[i] and tables[i + 1]]
    assert any(SECTION_ROW.match(foot[-1]) and head[0].startswith("信息内容")
               for foot, head in pairs)
    assert any(split_over(label, foot[-BREAK_LINES:], head[:BREAK_LINES])
               for label in groups for foot, head in pairs), pairs


def split_over(label: str, foot: list[str], head: list[str]) -> bool:
    """True if one of the lines `foot` holds the label's beginning but not all of it and one
    of `head` its rest (a label cut by a page break, or wrapped; a character of a vertical
    label can share either line)."""
    flat = "".join(label.split())
    foot, head = ["".join(t.split()) for t in foot], ["".join(t.split()) for t in head]
    return any(flat[:k] in a and flat not in a and flat[k:] in b
               for k in range(1, len(flat)) for a in foot for b in head)


@pytest.mark.parametrize("seed", SEEDS)
def test_labels_are_worded_and_wrapped_as_real_reports_print_them(
        wps_dir: Path, seed: str) -> None:
    lines = [line["text"] for page in plumbed(pdf_path(wps_dir, seed)) for line in page.text_lines]
    text = "\n".join(lines)
    partly = next(c.text for g in grids(seed) for c in g.cells
                  if c.col == 1 and "部分公开" in c.text)  # （二）部分公开（区分处理的，…）
    assert split_over(partly, lines, lines)
    assert "第二十条 第（一）项" in text and "第二十条第" not in text
    assert re.search(r"^(?:\S+ )?1\.", text, re.M)
    numbered_other = any(c.col == 2 and c.text.startswith("1.申请人") for g in grids(seed)
                         for c in g.cells)  # （六）其他处理 has items (2021 template)
    assert bool(re.search(r"1、申请人", text)) == numbered_other


def test_the_builder_writes_the_same_bytes_every_time(wps_dir: Path, tmp_path: Path) -> None:
    seed = build_wps.seeds()[-1]
    again = build_wps.build(seed, tmp_path)
    assert again.read_bytes() == pdf_path(wps_dir, seed.name).read_bytes()


# ------------------------------------------------------------ (b) read as the seed's facts

@pytest.mark.wps_golden
@pytest.mark.parametrize("seed", SEEDS)
def test_a_wps_pdf_gives_the_golden_facts(wps_dir: Path, seed: str) -> None:
    golden = expected(seed)
    result = parsed(pdf_path(wps_dir, seed))
    assert result.kind == "report", result.errors
    wrong = {k: (result.facts.get(k, "<missing>"), v) for k, v in golden["facts"].items()
             if result.facts.get(k, "<missing>") != v}
    assert not wrong, f"{len(wrong)} cells differ (got, expected): {dict(list(wrong.items())[:10])}"
    assert sorted(set(result.facts) - set(golden["facts"])) == []
    assert result.units == golden["units"]
    assert (result.template, result.year, result.agency) == (
        golden["template"], golden["year"], golden["agency"])


@pytest.mark.wps_golden
@pytest.mark.parametrize("seed", SEEDS)
def test_a_wps_pdf_keeps_every_number_in_its_row(wps_dir: Path, seed: str) -> None:
    """The PDF carrier's value cells, row by row across the page breaks, are the seed's
    (spaces aside: WPS's gap in "0 元" reads as a space)."""
    extract = pdf_carrier.extract(pdf_path(wps_dir, seed).read_bytes())
    rows = [canonical.split_label([c.text for c in sorted(row, key=lambda c: c.col)])[1]
            for table in extract.tables() for row in table.rows]
    found = [["".join(v.split()) for v in values] for values in rows if values]
    expected = [["".join(v.split()) for v in values] for values in report(seed).value_rows]
    assert sum(len(r) for r in expected) > 60
    assert found == expected


@pytest.mark.wps_golden
@pytest.mark.parametrize("seed", SEEDS)
def test_every_fact_of_a_wps_pdf_says_on_which_page_it_was_printed(
        wps_dir: Path, seed: str) -> None:
    result = parsed(pdf_path(wps_dir, seed))
    assert result.where and set(result.where) == set(result.facts)
    assert all(where["page"] >= 1 for where in result.where.values())


@pytest.mark.wps_golden
@pytest.mark.parametrize("seed", SEEDS)
def test_every_paragraph_of_the_seed_is_one_paragraph_across_page_breaks(
        wps_dir: Path, seed: str) -> None:
    """WPS flows a paragraph on over the page break; read back, it is still one paragraph
    (not two halves, and not glued to the paragraph that follows)."""
    squashed = lambda text: "".join(text.split())  # noqa: E731
    prose = [squashed(block) for block in report(seed).blocks[len(report(seed).title_lines()):]
             if isinstance(block, str)]
    extract = pdf_carrier.extract(pdf_path(wps_dir, seed).read_bytes())
    pages = {p.page for p in extract.paragraphs()}
    read = {squashed(p.text) for p in extract.paragraphs()}
    assert len(prose) > 10 and len(pages) > 1
    assert [text[:20] for text in prose if text not in read] == []
