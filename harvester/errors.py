"""Errors the operator must act on: every command prints them as a message, not a traceback."""

from __future__ import annotations


class OperatorError(RuntimeError):
    """Something only the operator can mend (a damaged or too new fetch log, …); its text says what."""
