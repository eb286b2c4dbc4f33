"""Named errors of the parse stage."""

from __future__ import annotations


class UnreadableFile(Exception):
    """Nothing at all could be read from a file (empty, corrupt, encrypted, zip bomb)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
