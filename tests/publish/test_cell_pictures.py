"""Provenance you can see: every fact links to where it was printed, drawn from the archived bytes
(the PDF page with the cell's box, the archived HTML page with the cell marked)."""

from __future__ import annotations

import io
import json
import re
import sqlite3
from pathlib import Path
from urllib.parse import urlencode

import httpx
import lxml.html
import pypdfium2 as pdfium
import pytest
from datasette.utils import tilde_encode
from PIL import Image

from harvester.db.cell_pictures import BOX_COLOUR, CELL_ID, PDF_SCALE, picture_crop
from harvester.db.load import load
from publish.helpers import REPORTS, SEEDS, archive_files, expected, serve, site_of

SEED = max(SEEDS, key=lambda s: expected(s)["facts"]["apply.new.total"])
HEADLINE = ("apply.new.total", "result.granted.total", "result.total.total", "carry_forward.total",
            "review.total")


def archive_of(root: Path, sites, carrier: str) -> Path:
    """An archive holding the seed in one carrier only, so its facts are read from that file."""
    path = REPORTS / SEED / f"{SEED}.{carrier}"
    archive_files(root, [(site_of(SEED, sites), f"http://127.0.0.1/{SEED}/{path.name}", path.read_bytes())])
    load(root, sites)
    return root


@pytest.fixture(scope="module")
def pdf_archive(tmp_path_factory, sites) -> Path:
    return archive_of(tmp_path_factory.mktemp("pdf-archive"), sites, "pdf")


@pytest.fixture(scope="module")
def pdf_server(pdf_archive: Path):
    with serve(pdf_archive) as base:
        yield base


@pytest.fixture(scope="module")
def word_archive(tmp_path_factory, sites) -> tuple[str, Path]:
    # DOCX only: a DOC takes the same route after LibreOffice, at seconds a conversion.
    return "docx", archive_of(tmp_path_factory.mktemp("docx-archive"), sites, "docx")


def facts_of(root: Path, carrier: str) -> tuple[str, dict[str, tuple[str, dict]]]:
    conn = sqlite3.connect(root / "harvester.db")
    (rid,) = conn.execute("SELECT id FROM reports WHERE carrier = ? AND agency = ?",
                          (carrier, expected(SEED)["agency"])).fetchone()
    rows = conn.execute("SELECT key, raw, source_cell FROM facts WHERE report_id = ?", (rid,))
    return rid, {key: (raw, json.loads(cell)) for key, raw, cell in rows if cell}


def cell(server: str, rid: str, key: str) -> httpx.Response:
    response = httpx.get(f"{server}/-/cell?" + urlencode({"report": rid, "key": key}), timeout=60)
    assert response.status_code == 200, response.text[:300]
    return response


def test_every_pdf_box_holds_the_printed_text(pdf_archive: Path) -> None:
    _, facts = facts_of(pdf_archive, "pdf")
    pdf = pdfium.PdfDocument((REPORTS / SEED / f"{SEED}.pdf").read_bytes())
    boxed = {key: fact for key, fact in facts.items() if fact[1].get("bbox")}
    assert len(boxed) > 100
    for key, (raw, where) in boxed.items():
        page = pdf[where["page"] - 1]
        height = page.get_height()
        x0, top, x1, bottom = where["bbox"]
        under = page.get_textpage().get_text_bounded(left=x0, bottom=height - bottom, right=x1,
                                                     top=height - top)
        assert re.sub(r"\s", "", raw) in re.sub(r"\s", "", under), (key, raw, under)


@pytest.mark.parametrize("key", HEADLINE)
def test_a_pdf_fact_links_to_its_page_with_the_cell_boxed(pdf_server: str, pdf_archive: Path, key: str) -> None:
    rid, facts = facts_of(pdf_archive, "pdf")
    response = cell(pdf_server, rid, key)
    assert response.headers["content-type"] == "image/png"
    picture = Image.open(io.BytesIO(response.content)).convert("RGB")
    x0, top, x1, bottom = (v * PDF_SCALE for v in facts[key][1]["bbox"])
    middle = int((top + bottom) / 2)
    edge = [picture.getpixel((x, middle)) for x in range(int(x0) - 8, int(x0) + 1)]
    assert BOX_COLOUR in edge  # the box's left side crosses the cell's middle
    assert picture.getpixel((int((x0 + x1) / 2), middle)) != BOX_COLOUR  # the digits are not hidden


def test_every_html_fact_links_to_the_archived_page_with_its_cell_marked(server: str, loaded_archive: Path) -> None:
    rid, facts = facts_of(loaded_archive, "html")
    assert len(facts) > 100
    for key in HEADLINE:
        response = cell(server, rid, key)
        assert response.headers["content-security-policy"] == "sandbox"
        marked = lxml.html.fromstring(response.content).get_element_by_id(CELL_ID)
        assert " ".join(marked.text_content().split()) == " ".join(facts[key][0].split())


def test_a_word_fact_links_to_its_table_with_the_cell_marked(word_archive) -> None:
    carrier, root = word_archive
    rid, facts = facts_of(root, carrier)
    assert len(facts) > 100
    with serve(root) as base:
        for key in HEADLINE:
            marked = lxml.html.fromstring(cell(base, rid, key).content).get_element_by_id(CELL_ID)
            assert " ".join(marked.text_content().split()) == " ".join(facts[key][0].split())


@pytest.fixture(scope="module")
def picture_archive(tmp_path_factory, sites) -> Path:
    """A page of the seed as a picture (read by OCR), found under a link naming agency and year."""
    root = tmp_path_factory.mktemp("picture-archive")
    golden = expected(SEED)
    picture = REPORTS / SEED / f"{SEED}.page2.png"
    archive_files(root, [(site_of(SEED, sites), f"http://127.0.0.1/{SEED}/{picture.name}", picture.read_bytes(),
                          {"link_text": f"{golden['agency']}{golden['year']}年政府信息公开工作年度报告"})])
    load(root, sites, workers=1)
    return root


def test_an_ocr_fact_links_to_its_picture_with_the_cell_boxed(picture_archive: Path) -> None:
    rid, facts = facts_of(picture_archive, "image")
    boxed = {key: where for key, (_, where) in facts.items() if where.get("bbox")}
    assert len(boxed) > 20
    key, where = sorted(boxed.items())[0]
    with serve(picture_archive) as base:
        response = cell(base, rid, key)
    picture = Image.open(io.BytesIO(response.content)).convert("RGB")
    original = Image.open(REPORTS / SEED / f"{SEED}.page2.png")
    band = picture_crop(where["bbox"], original.size)
    assert picture.size == (band[2] - band[0], band[3] - band[1]) and picture.height < original.height
    x0, top, x1, bottom = where["bbox"]
    middle = int((top + bottom) / 2) - band[1]
    assert BOX_COLOUR in [picture.getpixel((x, middle)) for x in range(max(int(x0) - 8, 0), int(x0) + 1)]


def test_report_page_links_each_fact_to_its_picture(server: str, loaded_archive: Path) -> None:
    rid, facts = facts_of(loaded_archive, "html")
    page = lxml.html.fromstring(httpx.get(f"{server}/harvester/reports/{tilde_encode(rid)}", timeout=30).text)
    links = {row.get("data-key"): row.cssselect("a.cell-link")[0].get("href")
             for row in page.cssselect(".report-facts tr[data-key]")}
    assert set(facts) <= set(links)
    key = "apply.new.total"
    marked = lxml.html.fromstring(httpx.get(server + links[key], timeout=30).content)
    assert marked.get_element_by_id(CELL_ID) is not None
