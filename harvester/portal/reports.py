"""The report files the replica portal publishes: package data under seeds/ (tests/fixtures/build_fixtures.py makes them)."""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium

DEFAULT_ROOT = Path(__file__).resolve().parent / "seeds"

SEED_STEMS = (
    "000_c6cf585c495c9a5f",  # 沈阳市科学技术局 2019
    "001_1fe2932832f48954",  # 本溪市科学技术局 2020
    "002_7f2f36b97c6d827f",  # 沈阳市工业和信息化局 2020
    "003_fd5e2081a75f95e0",  # 昌乐县科学技术局 2019
    "004_e0759db8c8ae201d",  # 朝阳市科学技术局 2024
)

# The text carriers every seed is published in (tests/fixtures/build_fixtures.py); the OCR
# variants (scans, pictures) are built from the PDF and kept with the tests.
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
    """Where one seed report's published files live."""

    stem: str
    root: Path

    def path(self, carrier: str) -> Path:
        """The `<stem>.<carrier>` file."""
        return self.root / self.stem / f"{self.stem}.{carrier}"

    def file_bytes(self, carrier: str) -> bytes:
        """The bytes of the `<stem>.<carrier>` file."""
        return self.path(carrier).read_bytes()

    def text(self) -> str:
        """The seed report as plain text."""
        return self.path("txt").read_text(encoding="utf-8")

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
        """The report part of the HTML file (inside <body>), decoded."""
        encoding = "gbk" if carrier == "gbk.html" else "utf-8"
        markup = self.file_bytes(carrier).decode(encoding, errors="replace")
        match = _BODY.search(markup)
        return match.group(1) if match else markup

    def pictures(self) -> list[bytes]:
        """The report as a 图片版: every page of the seed's PDF as a JPEG picture."""
        return list(_pictures(self.path("pdf")))


@functools.cache
def _pictures(pdf_path: Path) -> tuple[bytes, ...]:
    """Pages of a PDF rendered in grayscale at PICTURE_DPI and saved as JPEG (once per process)."""
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
    """The ReportSource of one seed under `root` (default: the package's seeds/)."""
    return ReportSource(stem, Path(root) if root else DEFAULT_ROOT)
