"""A load that reads scans loads the OCR models once: each document is parsed in a child of its own
(harvester.db.isolation), and each of them loaded the models afresh (~1.5 CPU s, as much as half a
page's OCR) until the load process kept the models its children inherit."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from harvester.archive.store import BlobStore
from harvester.db.isolation import parse_archived
from harvester.parse.ocr.render import PageSource

from ocr_corpus import child_answer, fixture_path, seeds


def one_band_scans(count: int) -> list[bytes]:
    """`count` image-only one-page PDFs, each a band of text cut from a page of a fixture scan."""
    source = PageSource("pdf", fixture_path(seeds()[0], "scan.pdf").read_bytes())
    gray = source.load(0).gray
    band = gray.shape[0] // (count + 1)
    scans = []
    for index in range(count):
        out = io.BytesIO()
        Image.fromarray(gray[index * band:(index + 1) * band]).save(out, "PDF", resolution=200)
        scans.append(out.getvalue())
    return scans


def _load(root: Path, shas: list[str], send) -> None:
    """Parse the blobs one at a time, in order, as the load does; send back the results."""
    send.send(list(parse_archived(root, shas, workers=1)))


def test_documents_parsed_after_the_first_scan_inherit_the_ocr_models(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARVESTER_OCR_WORKERS", "1")  # one OCR process a document: one load each before
    store = BlobStore(tmp_path)
    shas = [store.put(scan) for scan in one_band_scans(3)]
    results = child_answer("spawn", _load, tmp_path, shas)  # a new interpreter: no models inherited
    assert [result.sha256 for result in results] == shas
    notes = [[note["ocr"] for note in result.page_notes if "ocr" in note] for result in results]
    assert all(result.method == "ocr" and note["pieces"] > 0 for result, [note] in zip(results, notes))
    assert [note["loaded_models"] for [note] in notes] == [True, False, False]
