"""The pdfium-fed PDF carrier reads the same tables as pdfplumber's own (pdfminer) pipeline.

pdfplumber stays installed for its table geometry; here its full pipeline, on its own
pdfminer characters and edges, read with nothing of ours (no `read_table`, no line joining),
is the independent reference for every fixture PDF.
"""

from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pytest

from harvester.parse.carriers import pdf
from harvester.parse.carriers.pdf_layout import read_layout

REPORTS = Path(__file__).resolve().parent.parent / "fixtures" / "reports"
PDFS = sorted(path / f"{path.name}.pdf" for path in REPORTS.iterdir() if path.is_dir())
# pdfplumber's documented settings for ruled tables: cells bounded by drawn lines.
RULED = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}


def bare(text: str | None) -> str:
    """Cell text without any whitespace (line breaks inside words, padding)."""
    return re.sub(r"\s+", "", text or "")


def plumber_cells(path: Path) -> list[tuple[int, tuple[float, ...], str]]:
    """(page, bbox, text) of every cell of every table of two columns or more that pdfplumber finds
    with pdfminer, row by row; slots a merged cell covers (None) are not cells."""
    cells = []
    with pdfplumber.open(path) as document:
        for number, page in enumerate(document.pages, start=1):
            for found in page.find_tables(RULED):
                boxes = [box for row in found.rows for box in row.cells if box is not None]
                if len({round(box[0]) for box in boxes}) < 2:
                    continue  # a frame drawn around text: one column is not a table
                for row, texts in zip(found.rows, found.extract()):
                    cells.extend((number, tuple(round(v, 2) for v in box), bare(text))
                                 for box, text in zip(row.cells, texts) if box is not None)
    return cells


@pytest.mark.parametrize("path", PDFS, ids=lambda p: p.name)
def test_every_table_cell_matches_pdfplumber(path: Path) -> None:
    extract = pdf.extract(path.read_bytes())
    ours = [(cell.page, cell.bbox, bare(cell.text))
            for table in extract.tables() for row in table.rows for cell in row]
    assert len(ours) > 60
    assert ours == plumber_cells(path)


def edge_list(edges: list[dict]) -> list[tuple]:
    """Edges as sortable (orientation, x0, top, x1, bottom) tuples."""
    return sorted((e["orientation"], e["x0"], e["top"], e["x1"], e["bottom"]) for e in edges)


@pytest.mark.parametrize("path", PDFS[:2], ids=lambda p: p.name)
def test_ruling_edges_and_page_text_match_pdfplumber(path: Path) -> None:
    document = pdfium.PdfDocument(path.read_bytes())
    with pdfplumber.open(path) as reference:
        for index, page in enumerate(reference.pages):
            layout = read_layout(document[index])
            theirs, ours = edge_list(page.edges), edge_list(layout.edges)
            assert len(ours) == len(theirs) > 0
            for mine, reference_edge in zip(ours, theirs):
                assert mine[0] == reference_edge[0]
                assert mine[1:] == pytest.approx(reference_edge[1:], abs=0.01)  # pdfium: float32
            assert "".join(c["text"] for c in layout.chars if c["text"].strip()) == \
                "".join(c["text"] for c in page.chars if c["text"].strip())
    document.close()
