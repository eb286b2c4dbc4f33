"""A crop reads the same whatever else on the page is read with it: recognition batches never
pad a crop out to a wider neighbour's width, so a cell's reading depends on that cell alone."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import cv2

from harvester.parse.ocr import engine
from harvester.parse.ocr.render import PageSource
from ocr_corpus import fixture_path, seeds

Reading = tuple[tuple[int, int, int, int], str, float]


def _page_readings(seed: str) -> tuple[list[Reading], list[Reading]]:
    """Page 2 (a table page) of a scan: every detected box read with the page, then alone."""
    image = PageSource("pdf", fixture_path(seed, "scan.pdf").read_bytes()).load(1)
    rgb = cv2.cvtColor(image.gray, cv2.COLOR_GRAY2RGB)
    boxes = engine.detect(rgb, threads=1)
    together = [(p.box, p.text, p.confidence) for p in engine.recognise(rgb, boxes, threads=1)]
    alone = [(p.box, p.text, p.confidence) for box in boxes
             for p in engine.recognise(rgb, [box], threads=1)]
    return together, alone


def test_a_crop_reads_the_same_alone_or_with_the_whole_page() -> None:
    # In a child process: the test process itself never starts ONNX Runtime (forks stay safe).
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        together, alone = pool.submit(_page_readings, seeds()[0]).result()
    assert len(together) >= 50
    changed = [(a, b) for a, b in zip(together, alone) if a != b]
    assert not changed and len(together) == len(alone), changed[:5]
