"""How a long stage says how far it is: one callback type for the load, the picture pages and OCR."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]
"""Called as progress(stage, done, total), e.g. ("parse", 12, 40) or ("OCR pages", 2, 5)."""
