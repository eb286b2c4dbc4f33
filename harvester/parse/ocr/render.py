"""Page images to OCR: PDF pages rendered with pypdfium2, image files decoded with Pillow."""

from __future__ import annotations

import functools
import hashlib
import io
import math
import warnings
from dataclasses import dataclass

import numpy as np
import PIL
import pypdfium2 as pdfium
from PIL import Image, UnidentifiedImageError

from harvester.parse.errors import UnreadableFile
from harvester.parse.ocr.limits import (MAX_IMAGE_PIXELS, MAX_LONG_SIDE, MAX_PAGE_PIXELS,
                                        RENDER_DPI)


RENDERING_ID = (f"pdfium {pdfium.version.PDFIUM_INFO}|pypdfium2 {pdfium.version.PYPDFIUM_INFO}|pillow {PIL.__version__}"
                f"|dpi {RENDER_DPI}|max {MAX_PAGE_PIXELS} px|long side {MAX_LONG_SIDE}")
"""Everything that decides the pixels a file's page becomes: a page's reading found by its file's
digest and page number (harvester.parse.ocr.cache) is only the reading of these pixels under it."""


@dataclass
class PageImage:
    """A grayscale page and the size of one pixel in the carrier's units (PDF points or pixels)."""

    gray: np.ndarray  # uint8, white paper = 255
    unit: float


@dataclass(frozen=True)
class PageSource:
    """The bytes pages come from; small and picklable so pool workers can load pages themselves."""

    kind: str  # "pdf" or "image"
    data: bytes

    @functools.cached_property
    def digest(self) -> str:
        """sha256 of the bytes (computed once per source and process)."""
        return hashlib.sha256(self.data).hexdigest()

    def count(self) -> int:
        """Number of pages (frames for a multi-page TIFF)."""
        if self.kind == "pdf":
            return len(open_pdf(self.data))
        with _open_image(self.data) as image:
            return getattr(image, "n_frames", 1)

    def load(self, index: int) -> PageImage:
        """Page `index` (0-based) as a bounded grayscale image."""
        if self.kind == "pdf":
            return render_pdf_page(open_pdf(self.data), index)
        return load_image_frame(self.data, index)


@dataclass(frozen=True)
class ImageSet:
    """Several image files read as one document, page after page (every frame of a multi-page
    TIFF is a page; an unreadable file counts as one page, which fails alone). Picklable."""

    images: tuple[bytes, ...]

    @functools.cached_property
    def _layout(self) -> list[tuple[int, int]]:
        """(image, frame) of every page, from the image headers (read once per set)."""
        pages = []
        for number, data in enumerate(self.images):
            try:
                frames = PageSource("image", data).count()
            except UnreadableFile:
                frames = 1
            pages += [(number, frame) for frame in range(frames)]
        return pages

    def pages(self) -> list[tuple[int, int]]:
        """(image, frame) of every page, in order."""
        return self._layout

    def count(self) -> int:
        """Number of pages."""
        return len(self._layout)

    def load(self, index: int) -> PageImage:
        """Page `index` (0-based) as a bounded grayscale image."""
        number, frame = self._layout[index]
        return load_image_frame(self.images[number], frame)


Pages = PageSource | ImageSet
"""Anything OCR reads pages from: count() and load(index)."""


def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) of an image from its header, without decoding the pixels."""
    with _open_image(data) as image:
        return image.size


def open_pdf(data: bytes) -> pdfium.PdfDocument:
    """Open a PDF with pypdfium2, turning its errors into UnreadableFile."""
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        raise UnreadableFile(f"PDF cannot be opened: {error}") from error


def render_pdf_page(pdf: pdfium.PdfDocument, index: int, dpi: int = RENDER_DPI) -> PageImage:
    """Render one PDF page in grayscale at `dpi`, lowered if the page is oversized."""
    page = pdf[index]
    width, height = page.get_size()
    scale = dpi / 72
    if width * height * scale * scale > MAX_PAGE_PIXELS:
        scale = math.sqrt(MAX_PAGE_PIXELS / (width * height))
    bitmap = page.render(scale=scale, grayscale=True)
    gray = np.array(bitmap.to_pil().convert("L"))
    return PageImage(gray, 1 / scale)


def _open_image(data: bytes) -> Image.Image:
    """Open an image lazily and refuse one whose header announces too many pixels."""
    try:
        with warnings.catch_warnings():
            # Our own, lower limit below applies; Pillow's bomb warning would only add noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as error:
        raise UnreadableFile(f"image too large: {error}") from error
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise UnreadableFile(f"not a readable image: {error}") from error
    width, height = image.size
    if width * height > MAX_IMAGE_PIXELS:
        image.close()
        raise UnreadableFile(
            f"image too large: {width}x{height} pixels (limit {MAX_IMAGE_PIXELS // 1_000_000} MP)")
    return image


def load_image_frame(data: bytes, index: int) -> PageImage:
    """Decode frame `index` of an image file to grayscale, shrunk to MAX_LONG_SIDE."""
    with _open_image(data) as image:
        try:
            image.seek(index)
            gray = image.convert("L")
        except (OSError, EOFError, ValueError, SyntaxError) as error:
            raise UnreadableFile(f"image frame {index + 1} cannot be decoded: {error}") from error
    factor = MAX_LONG_SIDE / max(gray.size)
    if factor < 1:
        gray = gray.resize((round(gray.width * factor), round(gray.height * factor)),
                           Image.Resampling.LANCZOS)
    return PageImage(np.array(gray), 1.0 / min(factor, 1.0))
