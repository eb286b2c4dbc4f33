"""Whether a PDF page's text layer can be trusted, or the page must be OCR'd, and why.

Cheap on purpose: it reads the text the carrier already extracted and pypdfium2's page
objects, never renders. Every threshold below is a share of the page's visible characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

MIN_TEXT_CHARS = 10  # fewer: a page number or a stamp caption, not a text layer
IMAGE_PAGE_SHARE = 0.3  # images covering this much of an untexted page: a scan
OUTLINED_TEXT_PATHS = 300  # so many vector paths without text: glyphs drawn as outlines
BAD_GLYPH_SHARE = 0.05  # (cid:N), U+FFFD or private-use characters: unmapped glyphs
DOUBLED_SHARE = 0.25  # "公公开开": Chinese prose doubles a character < 3% of the time
MIN_CJK_SHARE = 0.3  # letters of a Chinese report page are CJK; Latin-1 mojibake is not
MIN_GB2312_SHARE = 0.8  # real text is ~99% in GB2312; glyphs mapped to wrong code points are not
CID_TOKEN = re.compile(r"\(cid:\d+\)")  # pdfminer's spelling of a glyph with no Unicode mapping


@dataclass
class PageStats:
    """What the trust decision looks at for one page."""

    text: str
    cid_tokens: int = 0  # as counted by the carrier, when its text is not at hand
    image_share: float = 0.0
    paths: int = 0


@dataclass
class Verdict:
    """The decision for one page: "text-layer" or "ocr", with the reasons."""

    page: int
    decision: str
    reasons: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    def note(self) -> dict[str, Any]:
        return {"page": self.page, "decision": self.decision, "reasons": self.reasons,
                "signals": self.stats}


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff"


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def page_objects(page: pdfium.PdfPage) -> tuple[float, int]:
    """Share of the page covered by images, and the number of vector paths."""
    width, height = page.get_size()
    image_area, paths = 0.0, 0
    for obj in page.get_objects(max_depth=2):
        if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            left, bottom, right, top = obj.get_bounds()
            image_area += max(right - left, 0) * max(top - bottom, 0)
        elif obj.type == pdfium_c.FPDF_PAGEOBJ_PATH:
            paths += 1
    return min(image_area / max(width * height, 1.0), 1.0), paths


def pdfium_text(page: pdfium.PdfPage) -> str:
    """The page's text layer as pypdfium2 reads it (~15x faster than pdfminer)."""
    textpage = page.get_textpage()
    try:
        return textpage.get_text_bounded()
    finally:
        textpage.close()


def _glyph_reasons(text: str, cid_tokens: int, visible: int) -> list[str]:
    """Reasons found in the characters themselves (unmapped, doubled, foreign glyphs)."""
    reasons = []
    glyphs = visible + cid_tokens
    for label, count in (("(cid:N) tokens", cid_tokens),
                         ("U+FFFD replacement characters", text.count("\ufffd")),
                         ("private-use code points",
                          sum(1 for ch in text if "\ue000" <= ch <= "\uf8ff"))):
        if count >= 3 and count / glyphs >= BAD_GLYPH_SHARE:
            reasons.append(f"{count} {label} ({count / glyphs:.0%} of glyphs)")
    cjk = [ch for ch in text if _is_cjk(ch)]
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) >= 30 and len(cjk) / len(letters) < MIN_CJK_SHARE:
        reasons.append(f"text is mostly not Chinese (CJK {len(cjk) / len(letters):.0%} of letters)")
    if len(cjk) >= 20:
        common = sum(1 for ch in cjk if _in_gb2312(ch)) / len(cjk)
        if common < MIN_GB2312_SHARE:
            reasons.append(f"text is mostly outside the GB2312 common set ({common:.0%} inside)")
        doubled = sum(1 for a, b in zip(cjk, cjk[1:]) if a == b) / len(cjk)
        if doubled >= DOUBLED_SHARE:
            reasons.append(f"doubled glyphs ({doubled:.0%} of CJK characters repeat)")
    return reasons


def judge(page: int, stats: PageStats) -> Verdict:
    """Decide whether page `page` is read from its text layer or OCR'd."""
    cid_tokens = max(len(CID_TOKEN.findall(stats.text)), stats.cid_tokens)
    text = CID_TOKEN.sub("", stats.text)
    visible = sum(1 for ch in text if not ch.isspace())
    summary = {"chars": visible, "cid_tokens": cid_tokens,
               "image_share": round(stats.image_share, 3), "paths": stats.paths}
    if visible + cid_tokens < MIN_TEXT_CHARS:
        if stats.image_share >= IMAGE_PAGE_SHARE:
            return Verdict(page, "ocr", ["no text layer",
                                         f"page is an image ({stats.image_share:.0%} covered)"],
                           summary)
        if stats.paths >= OUTLINED_TEXT_PATHS:
            return Verdict(page, "ocr", ["no text layer",
                                         f"{stats.paths} vector paths (text drawn as outlines)"],
                           summary)
        reason = "blank page" if not visible else "almost no text and no page image"
        return Verdict(page, "text-layer", [reason], summary)
    reasons = _glyph_reasons(text, cid_tokens, visible)
    return Verdict(page, "ocr" if reasons else "text-layer", reasons or ["text layer looks sound"],
                   summary)
