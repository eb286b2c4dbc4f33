"""Named errors of the parse stage."""

from __future__ import annotations


class UnreadableFile(Exception):
    """Nothing at all could be read from a file (empty, corrupt, encrypted, zip bomb)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# What the PDF carrier says of pages it could not read; the OCR stage clears these once it
# has read those pages from their pictures.
NO_TEXT_LAYER = "no text layer (needs OCR)"
PAGES_WITHOUT_TEXT = "pages without a text layer"
