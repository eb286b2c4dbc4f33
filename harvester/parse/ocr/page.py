"""OCR of one page image: clean, find rules, detect, cut at rules, read, rebuild blocks."""

from __future__ import annotations

import time
from typing import Any

import cv2

from harvester.parse.model import Block
from harvester.parse.ocr import engine
from harvester.parse.ocr.crops import cut_at_rules, missed_cells, missed_values
from harvester.parse.ocr.layout import build_blocks
from harvester.parse.ocr.preprocess import denoise, deskew
from harvester.parse.ocr.render import PageImage
from harvester.parse.ocr.rules import find_grids


def read_page(image: PageImage, page: int, threads: int = 1) -> tuple[list[Block], dict[str, Any]]:
    """Blocks of one page and a note of what was done to read it."""
    started = time.perf_counter()
    loading = not engine.models_loaded(threads)
    gray, skew = deskew(image.gray)
    # Rules are found before denoising: the median filter thins 1-2 px rules into gaps.
    grids, rules = find_grids(gray)
    clean, denoised = denoise(gray)
    # Rules erased before detection: a line of text never runs into a table border.
    clean[rules > 0] = 255
    rgb = cv2.cvtColor(clean, cv2.COLOR_GRAY2RGB)
    boxes = cut_at_rules(engine.detect(rgb, threads), grids)
    boxes += missed_cells(boxes, grids, clean)
    pieces = engine.recognise(rgb, boxes, threads)
    pieces += engine.recognise(rgb, missed_values(pieces, grids, clean), threads)
    blocks = build_blocks(pieces, grids, page, image.unit)
    confidences = [p.confidence for p in pieces]
    note = {
        "pixels": [int(gray.shape[1]), int(gray.shape[0])],
        "deskew_deg": skew,
        "denoised": denoised,
        "ruled_tables": len(grids),
        "pieces": len(pieces),
        "min_confidence": min(confidences, default=None),
        "mean_confidence": round(sum(confidences) / len(confidences), 4) if confidences else None,
        "seconds": round(time.perf_counter() - started, 2),
        # Loading the models (~1.5 CPU s) is part of `seconds` on the page that did it.
        "loaded_models": loading,
    }
    return blocks, note
