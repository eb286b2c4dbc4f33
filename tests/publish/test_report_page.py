"""The page of a report over HTTP: headline figures, every fact with its Chinese codebook label,
unit and reading, the checks, the sections, and links to the files that carry it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import lxml.html
import pytest
from datasette.utils import tilde_encode

from publish.helpers import SEEDS, expected
from publish.test_datasette import report_id


def report_page(server: str, rid: str) -> lxml.html.HtmlElement:
    response = httpx.get(f"{server}/harvester/reports/{tilde_encode(rid)}", timeout=30)
    assert response.status_code == 200, response.text[:300]
    return lxml.html.fromstring(response.text)


def text(element) -> str:
    return " ".join(element.text_content().split())


@pytest.mark.parametrize("seed", SEEDS)
def test_headline_figures_are_the_printed_totals_with_their_labels(server, loaded_archive, seed) -> None:
    facts = expected(seed)["facts"]
    page = report_page(server, report_id(loaded_archive, seed))
    figure = text(page.cssselect('.report-headline .figure[data-key="apply.new.total"]')[0])
    assert str(facts["apply.new.total"]) in figure and "本年新收政府信息公开申请数量" in figure
    shown = {el.get("data-key") for el in page.cssselect(".report-headline .figure")}
    assert {"apply.new.total", "result.total.total", "review.total"} <= shown


@pytest.mark.parametrize("seed", SEEDS)
def test_every_fact_shows_its_label_unit_reading_and_where_it_was_printed(
        server, loaded_archive, seed) -> None:
    rid = report_id(loaded_archive, seed)
    conn = sqlite3.connect(loaded_archive / "harvester.db")
    stored = conn.execute("SELECT f.key, c.label, f.value, f.unit, f.reading FROM facts f"
                          " JOIN codebook c ON c.key = f.key WHERE f.report_id = ?", (rid,)).fetchall()
    rows = {row.get("data-key"): row for row in report_page(server, rid).cssselect(".report-facts tr[data-key]")}
    assert stored and len(rows) == len(stored)
    for key, label, value, unit, reading in stored:
        cells = [text(td) for td in rows[key].cssselect("td")]
        assert cells[:2] == [key, " ".join(label.split())]
        assert cells[2] == ("(blank)" if value is None else str(value)) and cells[3] == (unit or "")
        assert cells[5] == (reading or "")
        assert rows[key].cssselect("a.cell-link")[0].get("href").startswith("/-/cell?report=")


def test_sections_checks_and_files_are_shown(server, loaded_archive) -> None:
    seed = SEEDS[0]
    rid = report_id(loaded_archive, seed)
    conn = sqlite3.connect(loaded_archive / "harvester.db")
    page = report_page(server, rid)
    headings = [text(h) for h in page.cssselect(".report-sections h3")]
    sections = conn.execute("SELECT section, heading FROM sections WHERE report_id = ?", (rid,)).fetchall()
    assert sections and headings == [f"{s}. {h or ''}".strip() for s, h in sections]
    checks = conn.execute("SELECT count(*) FROM checks WHERE report_id = ?", (rid,)).fetchone()[0]
    assert checks and len(page.cssselect(".report-checks tr")) == checks + 1
    documents = conn.execute("SELECT d.url, d.sha256 FROM report_documents rd JOIN documents d"
                             " ON d.id = rd.document_id WHERE rd.report_id = ?", (rid,)).fetchall()
    links = {a.get("href") for a in page.cssselect(".report-documents a")}
    assert len(documents) > 1  # the seed's HTML, DOCX and PDF
    for url, sha256 in documents:
        assert url in links and f"/-/blob/{sha256}" in links
    assert expected(seed)["agency"] in text(page.cssselect("h1")[0])
