"""Bounds every carrier respects, so bad input costs bounded time and memory."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

from harvester.parse.errors import UnreadableFile

# A real annual report DOCX is < 5 MB unpacked; 200 MB leaves room for embedded images.
MAX_ZIP_UNCOMPRESSED = 200 * 1024 * 1024
# Deflate of XML reaches ~20-50x; 200x only happens with crafted or degenerate streams.
MAX_ZIP_RATIO = 200
MAX_ZIP_MEMBERS = 10_000
# Reports are 5-30 pages; 300 keeps a mis-crawled book from stalling a worker.
MAX_PDF_PAGES = 300
# A report page is < 1 MB of HTML (Word exports with inline styles reach a few MB); past this only
# the first bytes are read, and the result says so. lxml takes ~20x the page in memory.
MAX_HTML_BYTES = 8 * 1024 * 1024
# A dense report page prints ~3,000 characters (small-font tables ~8,000); past this a page is
# a text-operator flood and only its first characters are read (the extract says so).
MAX_PAGE_CHARS = 50_000
# Page objects (text runs, paths, images) looked at per page and per form; a report page has ~2,000.
MAX_PAGE_OBJECTS = 50_000
# The crawler's DOWNLOAD_MAXSIZE: nothing bigger is ever archived, so nothing bigger is parsed.
MAX_FILE_BYTES = 200 * 1024 * 1024
# LibreOffice converts a report in ~1 s; a minute means it is stuck.
CONVERT_TIMEOUT_S = 60


def read_file(path: str | Path) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES, else UnreadableFile (reading a FIFO
    would wait for a writer forever, /dev/zero never ends)."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile(f"not a regular file ({_file_kind(info.st_mode)}): {path}")
        if info.st_size > MAX_FILE_BYTES:
            raise UnreadableFile(f"file of {info.st_size} bytes is over the {MAX_FILE_BYTES}-byte limit")
        with open(path, "rb") as file:
            return file.read(MAX_FILE_BYTES)
    except OSError as error:
        raise UnreadableFile(f"cannot read {path}: {error.strerror}") from error


def _file_kind(mode: int) -> str:
    kinds = {stat.S_ISFIFO: "a FIFO", stat.S_ISCHR: "a character device", stat.S_ISBLK: "a block device",
             stat.S_ISSOCK: "a socket", stat.S_ISDIR: "a directory"}
    return next((name for test, name in kinds.items() if test(mode)), "not a plain file")


def check_zip(archive: zipfile.ZipFile, compressed_size: int) -> None:
    """Raise UnreadableFile when a zip's declared sizes look like a zip bomb."""
    members = archive.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        raise UnreadableFile(f"zip has {len(members)} members (limit {MAX_ZIP_MEMBERS})")
    total = sum(m.file_size for m in members)
    if total > MAX_ZIP_UNCOMPRESSED:
        raise UnreadableFile(
            f"zip bomb suspected: inflates to {total} bytes (limit {MAX_ZIP_UNCOMPRESSED})")
    if total > 1024 * 1024 and total > MAX_ZIP_RATIO * max(compressed_size, 1):
        raise UnreadableFile(
            f"zip bomb suspected: compression ratio {total // max(compressed_size, 1)}x")
