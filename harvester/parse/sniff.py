"""Which carrier a file is, by its content (magic bytes, markup), never by its name."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile

from harvester.charset import detect
from harvester.parse.errors import UnreadableFile
from harvester.parse.limits import check_zip

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # compound file: .doc, .wps, .xls
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM",
               b"II*\x00", b"MM\x00*")
SNIFF_BYTES = 8192
MARKUP = re.compile(r"<\s*(?:!doctype\s+html|html|head|body|meta|title|table|div|p|br)\b", re.I)


def _is_docx(data: bytes) -> bool:
    """True when a zip holds word/document.xml (a zip bomb or broken zip is not a DOCX)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_zip(archive, len(data))
            return "word/document.xml" in archive.namelist()
    except (NotImplementedError, RuntimeError):  # a zip feature zipfile lacks (a later version): the DOCX
        return b"word/document.xml" in data  # carrier names it, when the directory names a Word body
    except (zipfile.BadZipFile, UnreadableFile, OSError, ValueError):
        return False


def _looks_like_text(head: str) -> bool:
    """True when the decoded head has almost no control characters or undecodable bytes."""
    if not head:
        return False
    bad = sum(1 for ch in head if ch == "\ufffd" or (ch < " " and ch not in "\t\n\r\f\v")
              or unicodedata.category(ch) in ("Cc", "Co", "Cs", "Cn") and ch > "\x7f")
    return bad <= len(head) // 100


def sniff(data: bytes) -> str:
    """The carrier of these bytes: a key of harvester.parse.CARRIERS or UNREADABLE, or "image" (OCR)."""
    stripped = data.lstrip(b"\x00\t\r\n \xef\xbb\xbf")
    if not stripped:
        return "empty"
    if data[:1024].find(b"%PDF-") != -1:  # Acrobat accepts junk before the header
        return "pdf"
    if data.startswith(OLE2):
        return "doc"
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return "docx" if _is_docx(data) else "zip"
    if data.startswith(IMAGE_MAGIC) or data[8:12] == b"WEBP":
        return "image"
    head, _ = detect(data[:SNIFF_BYTES])
    head = head.replace("\x00", "")  # stray NULs: a browser skips them, so does the reader
    if not _looks_like_text(head):
        return "binary"
    return "html" if MARKUP.search(head) else "text"
