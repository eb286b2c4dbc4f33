"""Reports without a usable text layer: page trust decisions, OCR, table rebuilding.

The dispatcher calls `refine_pdf(data, extract)` after the PDF carrier,
`extract_image(data)` for image files and `extract_images(images)` for a report page
made of pictures; all return the shared intermediate form. `reread_pages` reads the pages of
cells the text layer's two readings could not settle a third time, from their pictures.
"""

from harvester.parse.ocr.document import extract_image, extract_images, refine_pdf, reread_pages

__all__ = ["extract_image", "extract_images", "refine_pdf", "reread_pages"]
