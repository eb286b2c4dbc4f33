"""Clean a page image before OCR: remove grain and specks, straighten a slightly rotated scan."""

from __future__ import annotations

import cv2
import numpy as np

# Scans are rarely more than a few degrees off; searching wider only finds false peaks.
MAX_SKEW_DEG = 4.0
GRAINY_PAPER_STD = 2.5  # paper noise: renders ~0, clean scans ~1, grainy scans 3.5+
_PROBE_WIDTH = 800  # skew is estimated on a small copy: the angle does not need full resolution


def paper_grain(gray: np.ndarray) -> float:
    """Standard deviation of the blank paper (renders ~0, clean scans ~1, grainy scans 3.5+)."""
    paper = cv2.blur(gray, (9, 9)) > 245  # well away from any glyph or rule
    return float(gray[paper].std()) if paper.any() else 0.0


def denoise(gray: np.ndarray) -> tuple[np.ndarray, bool]:
    """Non-local-means filter a grainy page; clean pages are left alone. (A median filter is
    cheaper but thins light serif strokes, 三 read as ：, and leaves specks read as ".".)"""
    if paper_grain(gray) < GRAINY_PAPER_STD:
        return gray, False
    return cv2.fastNlMeansDenoising(gray, None, h=20, templateWindowSize=7,
                                    searchWindowSize=21), True


def _row_profile_score(ink: np.ndarray, angle: float) -> float:
    """How sharply ink falls into horizontal rows after rotating by `angle` degrees."""
    h, w = ink.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rotated = cv2.warpAffine(ink, matrix, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
    rows = cv2.reduce(rotated, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel().astype(np.float64)
    return float(np.sum(np.diff(rows) ** 2))


def estimate_skew(gray: np.ndarray) -> float:
    """Angle in degrees that makes text lines and table rules horizontal (projection profile)."""
    factor = _PROBE_WIDTH / gray.shape[1]
    small = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    ink = (small < 160).astype(np.uint8)
    if ink.sum() < 50:
        return 0.0
    best = 0.0
    for step, span in ((0.5, MAX_SKEW_DEG), (0.1, 0.5), (0.02, 0.1)):
        candidates = best + np.arange(-span, span + step / 2, step)
        best = max(candidates, key=lambda a: _row_profile_score(ink, float(a)))
    return float(best)


def deskew(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """Rotate the page upright; returns the image and the correction applied in degrees."""
    angle = estimate_skew(gray)
    if abs(angle) < 0.1:  # the search resolves ~0.1 degree; below that rotating only blurs
        return gray, 0.0
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    straight = cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    return straight, round(angle, 2)
