"""Carrier extractors on the fixture corpus: every seed in every carrier, and broken inputs.

Expected values are never written here: they come from the seed text read by the text
carrier and laid into the canonical grids (tests/fixtures/canonical.py), the same
model the fixture builder rendered into each carrier.
"""

from __future__ import annotations

import functools
import importlib
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from harvester.charset import detect
from harvester.parse.model import Extract, Table
from harvester.parse.sniff import sniff

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIXTURES))
import canonical  # noqa: E402

SEEDS = sorted(p.name for p in (FIXTURES / "reports").iterdir() if p.is_dir())
# file suffix -> (expected sniff result, carrier module)
CARRIERS = {".html": ("html", "html"), ".gbk.html": ("html", "html"), ".docx": ("docx", "docx"),
            ".doc": ("doc", "doc"), ".pdf": ("pdf", "pdf"), ".txt": ("text", "text")}
MARKUP = (".html", ".docx", ".doc")  # carriers that keep the grid exactly
BAD = FIXTURES / "bad"
BAD_EXPECTED = yaml.safe_load((BAD / "expected.yaml").read_text(encoding="utf-8"))
BAD_TIMEOUT_S = 90  # LibreOffice start-up dominates; the others take < 1 s


def fixture_path(seed: str, suffix: str) -> Path:
    return FIXTURES / "reports" / seed / f"{seed}{suffix}"


@functools.cache
def report(seed: str) -> canonical.Report:
    return canonical.load(fixture_path(seed, ".txt"))


@functools.cache
def extracted(seed: str, suffix: str) -> Extract:
    module = importlib.import_module(f"harvester.parse.carriers.{CARRIERS[suffix][1]}")
    return module.extract(fixture_path(seed, suffix).read_bytes())


def value_rows(extract: Extract) -> list[list[str]]:
    """The value cells (numbers and blanks after the last label) of every row, in order."""
    rows = []
    for table in extract.tables():
        for row in table.rows:
            _, values = canonical.split_label([c.text for c in sorted(row, key=lambda c: c.col)])
            if values:
                rows.append(values)
    return rows


def report_tables(seed: str, suffix: str) -> list[Table]:
    """The extract's tables without the portal's metadata table (索引号/发布机构)."""
    tables = extracted(seed, suffix).tables()
    return [t for t in tables if not any(c.text.startswith("索引号") for r in t.rows for c in r)]


def squeeze(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("suffix", list(CARRIERS))
@pytest.mark.parametrize("seed", SEEDS)
def test_sniff_by_content(seed: str, suffix: str) -> None:
    assert sniff(fixture_path(seed, suffix).read_bytes()) == CARRIERS[suffix][0]


@pytest.mark.parametrize("suffix", [s for s in CARRIERS if s != ".txt"])
@pytest.mark.parametrize("seed", SEEDS)
def test_every_number_and_blank_in_its_row(seed: str, suffix: str) -> None:
    expected = report(seed).value_rows
    assert sum(len(r) for r in expected) > 60  # tables 2, 3 and 4 are all there
    assert value_rows(extracted(seed, suffix)) == expected


@pytest.mark.parametrize("suffix", [s for s in CARRIERS if s != ".txt"])
@pytest.mark.parametrize("seed", SEEDS)
def test_prose_and_headings_kept(seed: str, suffix: str) -> None:
    prose = squeeze("".join(p.text for p in extracted(seed, suffix).paragraphs()))
    paragraphs = [b for b in report(seed).blocks if isinstance(b, str)]
    assert any(p.startswith("六、") for p in paragraphs)
    missing = [p for p in paragraphs if squeeze(p) not in prose]
    assert not missing


@pytest.mark.parametrize("suffix", MARKUP + (".gbk.html",))
@pytest.mark.parametrize("seed", SEEDS)
def test_markup_cells_once_with_spans(seed: str, suffix: str) -> None:
    grids = [b for b in report(seed).blocks if isinstance(b, canonical.Grid)]
    tables = report_tables(seed, suffix)
    assert len(tables) == len(grids)
    for grid, table in zip(grids, tables):
        expected = sorted((c.row, c.col, c.rowspan, c.colspan, c.text) for c in grid.cells)
        found = sorted((c.row, c.col, c.rowspan, c.colspan, c.text) for r in table.rows for c in r)
        assert found == expected


@pytest.mark.parametrize("seed", SEEDS)
def test_docx_result_group_merged_once(seed: str) -> None:
    table3 = report_tables(seed, ".docx")[1]
    cells = [c for row in table3.rows for c in row]
    group = [c for c in cells if c.text.startswith("三、")]
    denied = [c for c in cells if "不予公开" in squeeze(c.text) and c.col == 1]
    assert len(group) == 1 and group[0].rowspan >= 20
    assert len(denied) == 1 and denied[0].rowspan == 8


@pytest.mark.parametrize("seed", SEEDS)
def test_gbk_page_decodes(seed: str) -> None:
    data = fixture_path(seed, ".gbk.html").read_bytes()
    text, encoding = detect(data)
    assert encoding == "gb18030"
    assert report(seed).title_lines()[0] in text
    assert extracted(seed, ".gbk.html").title == report(seed).title()
    chrome = squeeze(" ".join(p.text for p in extracted(seed, ".gbk.html").paragraphs()))
    assert "政府信息公开年报" in chrome and "统计代码" not in chrome and "隐藏的分享代码" not in chrome


@pytest.mark.parametrize("seed", SEEDS)
def test_pdf_cells_have_page_and_bbox(seed: str) -> None:
    extract = extracted(seed, ".pdf")
    assert extract.pages and len(extract.page_notes) == extract.pages
    assert all(n["cjk_share"] > 0.3 and n["cid_tokens"] == 0 for n in extract.page_notes
               if n["chars"] > 100)
    for table in extract.tables():
        for cell in (c for row in table.rows for c in row):
            assert cell.page == table.page and cell.bbox is not None
            x0, top, x1, bottom = cell.bbox
            assert x0 < x1 and top < bottom


def test_some_pdf_table_spans_two_pages() -> None:
    split = []
    for seed in SEEDS:
        tables = extracted(seed, ".pdf").tables()
        grids = [b for b in report(seed).blocks if isinstance(b, canonical.Grid)]
        if len(tables) > len(grids):
            split.append(seed)
            assert len({t.page for t in tables}) >= 2
    assert split


@pytest.mark.parametrize("name", sorted(BAD_EXPECTED))
def test_bad_input_gives_clear_error_in_bounded_time(name: str) -> None:
    expected = BAD_EXPECTED[name]
    runner = Path(__file__).with_name("bounded_extract.py")
    started = time.monotonic()
    command = [sys.executable, str(runner), str(BAD / name), expected["carrier"] or "-"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=BAD_TIMEOUT_S)
    assert done.returncode == 0, done.stderr[-2000:]
    assert time.monotonic() - started < BAD_TIMEOUT_S
    outcome = json.loads(done.stdout)
    assert outcome["sniff"] == expected["sniff"]
    if expected["carrier"] is None:
        return
    problems = [outcome.get("unreadable", "")] + outcome.get("errors", [])
    if "tables" in expected:
        assert outcome["tables"] == expected["tables"]
    if expected["error"] is None:
        assert "unreadable" not in outcome and not outcome["errors"]
    else:
        assert any(expected["error"] in p for p in problems), problems


def test_scanned_pdf_notes_for_ocr() -> None:
    module = importlib.import_module("harvester.parse.carriers.pdf")
    extract = module.extract((BAD / "scanned.pdf").read_bytes())
    assert extract.blocks == []
    assert extract.page_notes[0]["chars"] == 0 and extract.page_notes[0]["images"] == 1
