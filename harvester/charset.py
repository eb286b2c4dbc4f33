"""Bytes -> str for HTML and plain text, with the encoding found the way browsers would.

Shared by the crawl (pages whose declared charset cannot decode them) and the parser, and
kept apart from both so the crawl never imports the parser.

Order: byte-order mark, then UTF-8, then a charset declared in the first KBs (<meta
charset>, http-equiv, XML declaration), then GB18030 (a superset of GBK/GB2312), then
charset-normalizer's guess; each must decode cleanly. UTF-8 goes before the declared
charset because portals declare gb2312 on UTF-8 pages and GB18030 "decodes" almost any
byte string, while GBK text essentially never passes as valid UTF-8.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
HEAD_BYTES = 4096
DECLARED = re.compile(rb"""(?:charset|encoding)\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# Declared names that are older, smaller sets of what their superset decodes the same way.
SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
             "ascii": "utf-8", "us-ascii": "utf-8", "iso-8859-1": "cp1252", "latin-1": "cp1252"}


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first KBs, normalised to a Python codec name."""
    match = DECLARED.search(data[:HEAD_BYTES])
    if not match:
        return None
    name = match.group(1).decode("ascii", "replace").lower()
    name = SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _clean(data: bytes, encoding: str) -> str | None:
    """data decoded with encoding, or None when it does not decode (almost) cleanly."""
    try:
        return data.decode(encoding)
    except LookupError:
        return None
    except UnicodeDecodeError:
        pass
    except UnicodeError:  # a codec Python knows but that decodes no page ("undefined", "idna")
        return None
    # A page cut mid-character or with one stray byte is still that encoding.
    try:
        text = data.decode(encoding, "replace")
    except UnicodeError:  # codecs without a "replace" handler ("punycode")
        return None
    return text if text.count("\ufffd") <= max(2, len(text) // 2000) else None


def detect(data: bytes) -> tuple[str, str]:
    """(text, encoding used); never raises, falls back to UTF-8 with replacement characters."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, "replace"), encoding
    candidates = ["utf-8", declared_charset(data), "gb18030"]
    for encoding in dict.fromkeys(c for c in candidates if c):
        text = _clean(data, encoding)
        if text is not None:
            return text, encoding
    best = charset_normalizer.from_bytes(data[:200_000]).best()
    if best is not None and best.encoding:
        return data.decode(best.encoding, "replace"), best.encoding
    return data.decode("utf-8", "replace"), "utf-8"


def decode(data: bytes) -> str:
    """The text of an HTML page or text file."""
    return detect(data)[0]
