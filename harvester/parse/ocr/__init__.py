"""Reports without a usable text layer: page trust decisions, OCR, table rebuilding.

The dispatcher calls `refine_pdf(data, extract)` after the PDF carrier and
`extract_image(data)` for image files; both return the shared intermediate form.
"""

from harvester.parse.ocr.document import extract_image, refine_pdf

__all__ = ["extract_image", "refine_pdf"]
