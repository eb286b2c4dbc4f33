"""RapidOCR (PP-OCR ONNX models shipped inside the `rapidocr` wheel; no download at run time).

Detection and recognition are called separately so the layout step can cut detected
lines at table rules before they are read: one recognised piece never spans two cells.
"""

from __future__ import annotations

import logging
import math
import unicodedata
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from harvester.parse.interpret.values import DIGIT_LOOKALIKES
from harvester.parse.ocr.geometry import Box

ENGINE_ID = "rapidocr-3.10.0/PP-OCRv6-small/rec-width-8-batch-8/long-lines-1.6"
"""Changes whenever recognition output can change; part of the page cache key."""


@dataclass
class Piece:
    """A recognised run of text inside one box, with the recogniser's confidence."""

    text: str
    box: Box
    confidence: float


REC_HEIGHT = 48  # the recogniser's input height (fixed by the model)
# Recognition cost grows with the padded width of a batch: crops are batched with others of
# the same width rounded up to WIDTH_STEP px, so no crop is padded to a longer neighbour's width.
WIDTH_STEP = 8
REC_BATCH = 8  # batches of 8 equal-width crops: fewest runs with no padding beyond WIDTH_STEP
# Recognition costs the same for every pixel column it reads (~105 us on one core), so a line
# whose glyphs are smaller in the 48 px input costs less. A long line (>= LONG_LINE_COLUMNS
# columns once framed: five characters or more) is framed LONG_LINE_HEIGHT times as tall, in
# white above and below: -23 % recognition on the fixtures' scans and a real report's, every
# reading the same but for spaces (NFKC). A short crop framed so changes ("(三)" read "(E)"), and
# at 1.8 a long line does too (an e-mail address lost a letter).
LONG_LINE_COLUMNS = 200
LONG_LINE_HEIGHT = 1.6


_ENGINES: dict[int, Any] = {}
"""This process's RapidOCR instances by ONNX thread count (inherited by processes forked from it)."""


def _rapidocr(threads: int):
    """One RapidOCR instance per process and thread setting; models load on first use."""
    if threads not in _ENGINES:
        _ENGINES[threads] = _new_rapidocr(threads)
    return _ENGINES[threads]


def _new_rapidocr(threads: int):
    """RapidOCR set up for upright pages and the crops `recognise` reads (models not loaded yet)."""
    from rapidocr import RapidOCR

    logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    return RapidOCR(params={
        "Global.log_level": "error",
        # Pages are deskewed beforehand; the 0/180 degree classifier only costs time.
        "Global.use_cls": False,
        # Detection runs on the page scaled to <= 1280 px; recognition crops the full page.
        "Global.max_side_len": 4000,
        "Det.limit_type": "max",
        "Det.limit_side_len": 1280,
        # At that scale a lone "3" in a table scores ~0.4; 0.3 keeps it, rec drops empty boxes.
        "Det.box_thresh": 0.3,
        # Most crops are single cells ("0", "12"); the default 320 px minimum width pads
        # each of them to a long line and costs ~2x in recognition.
        "Rec.rec_img_shape": [3, REC_HEIGHT, REC_HEIGHT],
        # RapidOCR turns ONNX Runtime's memory arena off; reallocating every tensor of every
        # batch cost ~22% of recognition time on the seed pages (with batches of 4: one-core
        # OCR 4.35 -> 2.82 s/page). The price: a worker peaks ~300 MiB higher (~950 MiB).
        "EngineConfig.onnxruntime.enable_cpu_mem_arena": True,
        "EngineConfig.onnxruntime.intra_op_num_threads": threads,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    })


def load_models() -> None:
    """Load detection and recognition now (~1 CPU s), so that every process forked from this
    one afterwards reads pages without loading them again. Loaded for one ONNX thread (what
    an OCR process of a one-process pool uses): that setting starts no thread pool, so this
    process stays safe to fork."""
    _rapidocr(1)._load_det_model()
    _recogniser(1)


def models_loaded(threads: int = 1) -> bool:
    """Whether this process holds the models for `threads` ONNX threads (its own or inherited);
    asking loads nothing."""
    ocr = _ENGINES.get(threads)
    return ocr is not None and ocr.text_det is not None and ocr.text_rec is not None


def detect(rgb: np.ndarray, threads: int) -> list[Box]:
    """Axis-aligned boxes of text lines found on an (upright) page."""
    result = _rapidocr(threads)(rgb, use_det=True, use_cls=False, use_rec=False)
    boxes = getattr(result, "boxes", None)
    if boxes is None or len(boxes) == 0:
        return []
    out = []
    for quad in boxes:
        xs, ys = quad[:, 0], quad[:, 1]
        out.append((int(xs.min()), int(ys.min()), int(np.ceil(xs.max())), int(np.ceil(ys.max()))))
    return out


def _with_margin(crop: np.ndarray) -> np.ndarray:
    """A tight crop framed in white: a lone "0" cut to its ink alone is often read as "O". A long
    line's frame is taller (LONG_LINE_HEIGHT), so its glyphs are smaller once scaled to REC_HEIGHT."""
    height, width = crop.shape[:2]
    side, edge = max(height // 3, 2), max(height // 8, 1)
    if _columns(height + 2 * edge, width + 2 * side) >= LONG_LINE_COLUMNS:
        edge += round((height + 2 * edge) * (LONG_LINE_HEIGHT - 1) / 2)
    return cv2.copyMakeBorder(crop, edge, edge, side, side, cv2.BORDER_CONSTANT,
                              value=(255, 255, 255))


DIGIT_CHARS = "0123456789"


def _base_letter(ch: str) -> str:
    """The letter without its accents ("ō" -> "o")."""
    return unicodedata.normalize("NFKD", ch)[:1] or ch


def _recogniser(threads: int):
    """RapidOCR's text recogniser (ONNX session, resizing, CTC decoding), loaded on first use."""
    return _rapidocr(threads)._load_rec_model()


def _digits_only(rec, crop: np.ndarray) -> tuple[str, float]:
    """Re-read a crop allowing only digits (a whitelist, as in form OCR); greedy CTC decoding."""
    h, w = crop.shape[:2]
    norm = rec.resize_norm_img(crop, max(rec.rec_image_shape[2] / rec.rec_image_shape[1], w / h))
    probs = rec.session(norm[np.newaxis].astype(np.float32))[0]
    characters = rec.postprocess_op.character
    allowed = [0] + [i for i, ch in enumerate(characters) if ch in DIGIT_CHARS]  # 0 = CTC blank
    best = np.asarray(allowed)[probs[:, allowed].argmax(axis=1)]
    text, scores, previous = "", [], 0
    for step, index in enumerate(best):
        if index != 0 and index != previous:
            text += characters[index]
            scores.append(float(probs[step, index]))
        previous = index
    return text, (sum(scores) / len(scores) if scores else 0.0)


def _columns(height: int, width: int) -> int:
    """Pixel columns the recogniser reads for a crop of this size: its width once scaled to
    REC_HEIGHT, at least square, rounded up to WIDTH_STEP."""
    scaled = max(REC_HEIGHT, math.ceil(REC_HEIGHT * width / height))
    return WIDTH_STEP * math.ceil(scaled / WIDTH_STEP)


def _read_crops(rec, crops: list[np.ndarray]) -> list[tuple[str, float]]:
    """(text, confidence) of each crop, read in batches of crops of one padded width."""
    by_width: dict[int, list[int]] = {}
    for i, crop in enumerate(crops):
        by_width.setdefault(_columns(*crop.shape[:2]), []).append(i)
    readings: list[tuple[str, float]] = [("", 0.0)] * len(crops)
    for width, members in by_width.items():
        for start in range(0, len(members), REC_BATCH):
            batch = members[start:start + REC_BATCH]
            pixels = np.stack([rec.resize_norm_img(crops[i], width / REC_HEIGHT) for i in batch])
            lines, _ = rec.postprocess_op(rec.session(pixels.astype(np.float32)))
            for i, line in zip(batch, lines):
                readings[i] = line
    return readings


def recognise(rgb: np.ndarray, boxes: list[Box], threads: int) -> list[Piece]:
    """Read the text inside each box; empty readings are dropped."""
    crops = [_with_margin(rgb[y0:y1, x0:x1]) for x0, y0, x1, y1 in boxes]
    keep = [i for i, c in enumerate(crops) if c.shape[0] >= 4 and c.shape[1] >= 4]
    if not keep:
        return []
    rec = _recogniser(threads)
    pieces = []
    for i, (text, score) in zip(keep, _read_crops(rec, [crops[i] for i in keep])):
        text = text.strip()
        if text and len(text) <= 3 and {_base_letter(ch) for ch in text} <= DIGIT_LOOKALIKES:
            # The lower whitelist confidence is kept, so the reading stays flagged as doubtful.
            digits, digit_score = _digits_only(rec, crops[i])
            if digits:
                text, score = digits, min(float(score), digit_score)
        if text:
            pieces.append(Piece(text, boxes[i], round(float(score), 4)))
    return pieces
