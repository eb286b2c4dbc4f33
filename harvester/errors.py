"""Errors the operator must act on: every command prints them as a message, not a traceback."""

from __future__ import annotations

import sqlite3


class OperatorError(RuntimeError):
    """Something only the operator can mend (a damaged or too new fetch log, a full disk …); its text
    says what."""


def is_disk_error(error: BaseException) -> bool:
    """True for errors of the storage itself (ENOSPC, EFBIG, EIO, EROFS, EDQUOT …, SQLite's "database or
    disk is full" / "disk I/O error"), not of the data being written."""
    if isinstance(error, sqlite3.OperationalError):
        return "disk" in str(error)
    return isinstance(error, OSError)
