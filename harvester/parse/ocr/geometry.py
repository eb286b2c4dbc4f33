"""Page geometry shared by the OCR modules: boxes in page pixels and their conversions."""

from __future__ import annotations

Box = tuple[int, int, int, int]  # x0, top, x1, bottom in page pixels


def centre(box: Box) -> tuple[float, float]:
    """The centre point of a box."""
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def scaled(box: Box, unit: float) -> tuple[float, float, float, float]:
    """A pixel box in the carrier's units (PDF points for PDF pages, pixels for images)."""
    x0, top, x1, bottom = (round(v * unit, 2) for v in box)
    return x0, top, x1, bottom
