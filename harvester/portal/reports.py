"""The report files the replica portal publishes: the fixture builder's files, or stand-ins made from seed text."""

from __future__ import annotations

import functools
import html
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium

from harvester.config import REPO_ROOT

DEFAULT_ROOT = REPO_ROOT / "tests" / "fixtures" / "reports"
SEED_TEXT_DIRS = (REPO_ROOT / "tests" / "fixtures" / "seeds", REPO_ROOT.parent / "shared" / "seeds")

SEED_STEMS = (
    "000_c6cf585c495c9a5f",  # 沈阳市科学技术局 2019
    "001_1fe2932832f48954",  # 本溪市科学技术局 2020
    "002_7f2f36b97c6d827f",  # 沈阳市工业和信息化局 2020
    "003_fd5e2081a75f95e0",  # 昌乐县科学技术局 2019
    "004_e0759db8c8ae201d",  # 朝阳市科学技术局 2024
)

# The text carriers every seed fixture exists in (tests/fixtures/build_fixtures.py); the OCR
# variants (scans, pictures) are built from the PDF and read by their own tests.
TEXT_CARRIERS = ("txt", "html", "gbk.html", "docx", "doc", "pdf")

CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "gbk.html": "text/html; charset=gbk",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "jpg": "image/jpeg",
}
PICTURE_DPI = 150  # a 图片版 page as portals post it: ~1240 x 1750 px for A4
PICTURE_QUALITY = 70

_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S | re.I)


@dataclass(frozen=True)
class ReportSource:
    """Where one seed report's files live; falls back to seed text while the fixtures are not built."""

    stem: str
    root: Path

    def file_bytes(self, carrier: str) -> bytes:
        """The bytes of the `<stem>.<carrier>` fixture, or a stand-in with the seed text."""
        path = self.root / self.stem / f"{self.stem}.{carrier}"
        if path.is_file():
            return path.read_bytes()
        return self.text().encode("gbk" if carrier == "gbk.html" else "utf-8", errors="replace")

    def text(self) -> str:
        """The seed report as plain text (fixture .txt, else the shared seed text)."""
        candidates = [self.root / self.stem / f"{self.stem}.txt"]
        candidates += [folder / f"{self.stem}.txt" for folder in SEED_TEXT_DIRS]
        for path in candidates:
            if path.is_file():
                return path.read_text(encoding="utf-8")
        return f"{self.stem} 政府信息公开工作年度报告"

    def title(self) -> str:
        """The report title: its first non-empty lines joined until the word 报告 appears."""
        parts: list[str] = []
        for line in self.text().splitlines():
            line = line.strip()
            if line:
                parts.append(line)
            if "报告" in "".join(parts):
                break
        if len(parts) > 1 and parts[1].startswith(parts[0]):
            parts = parts[1:]  # a letterhead line repeated at the start of the title (seed 002)
        return re.sub(r"\s+", "", "".join(parts))[:60]

    def inline_body(self, carrier: str) -> str:
        """The report part of the HTML fixture (inside <body>), decoded; paragraphs of seed text if absent."""
        path = self.root / self.stem / f"{self.stem}.{carrier}"
        if path.is_file():
            encoding = "gbk" if carrier == "gbk.html" else "utf-8"
            markup = path.read_bytes().decode(encoding, errors="replace")
            match = _BODY.search(markup)
            return match.group(1) if match else markup
        return "\n".join(f"<p>{html.escape(line)}</p>" for line in self.text().splitlines() if line.strip())

    def pictures(self) -> list[bytes]:
        """The report as a 图片版: every page of the seed's PDF fixture as a JPEG picture."""
        return list(_pictures(self.root / self.stem / f"{self.stem}.pdf"))


@functools.cache
def _pictures(pdf_path: Path) -> tuple[bytes, ...]:
    """Pages of a PDF rendered in grayscale at PICTURE_DPI and saved as JPEG (once per process)."""
    if not pdf_path.is_file():
        raise FileNotFoundError(f"{pdf_path}: run tests/fixtures/build_fixtures.py to make the seed PDFs")
    pdf = pdfium.PdfDocument(pdf_path)
    try:
        out = []
        for page in pdf:
            buffer = io.BytesIO()
            page.render(scale=PICTURE_DPI / 72, grayscale=True).to_pil().convert("L").save(
                buffer, "JPEG", quality=PICTURE_QUALITY)
            out.append(buffer.getvalue())
        return tuple(out)
    finally:
        pdf.close()


def report_source(stem: str, root: Path | None = None) -> ReportSource:
    """The ReportSource of one seed under `root` (default: tests/fixtures/reports)."""
    return ReportSource(stem, Path(root) if root else DEFAULT_ROOT)
