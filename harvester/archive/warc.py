"""WARC files of every exchange: ``warc/<site>-<run_id>-<n>.warc.gz``, gzip per record, sha256 digests.

Each exchange is a response (or, for unchanged content, a revisit) record followed by its
request record; the fetch log stores the file name and the offset of the response record.

Crash and resume: records are appended and flushed one exchange at a time, and files are
only ever created with exclusive mode, never reopened for appending. A kill -9 can leave
a truncated last record in the file that was open; the restarted crawl starts a new file
(the next free ``<n>``), so no valid record is ever written after garbage. The fetch log
never points at the truncated record because the fetch row is committed after the write.
Readers of such a file see every complete record; warcio returns the cut record without
error but with fewer bytes than its Content-Length, which is how a checker spots it.

Records are serialised here, with the fields warcio's writer gives them (warcio reads them): its
writer built each record through several copies of the body and cost a crawl ~0.1 ms a page.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import uuid
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO, NamedTuple
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders

from harvester import __version__

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
# zlib's level 9 (warcio's) costs twice the CPU of level 3 on an 8 KB report page for records 6 % smaller.
GZIP_LEVEL = 3
WARC_VERSION = b"WARC/1.1"
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
HTTP_RESPONSE = "application/http; msgtype=response"
HTTP_REQUEST = "application/http; msgtype=request"
Headers = list[tuple[str, str]]


class WarcLocation(NamedTuple):
    """Where a response record starts: file name (inside the warc/ folder) and byte offset."""

    file: str
    offset: int


def _sha256_digest(data: bytes) -> str:
    """A block's WARC digest value (sha256:<base32>)."""
    return warc_digest(hashlib.sha256(data).hexdigest())


def _http_block(first_line: str, headers: Headers) -> bytes:
    """An HTTP message head as a WARC block holds it: non-ASCII header values percent-encoded
    (RFC 8187), as warcio writes and reads them. An all-ASCII head (nearly every one) is joined
    here, the bytes warcio would give, at a fifth of its cost (crawl_bench.py's profile)."""
    head = first_line + "\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n"
    try:
        return head.encode("ascii")
    except UnicodeEncodeError:
        return StatusAndHeaders(first_line, list(headers)).to_ascii_bytes()


def _gzip_record(fields: list[tuple[str, str]], block: bytes) -> bytes:
    """One WARC record (its fields, then Content-Length and the block) as one gzip member."""
    head = "".join(f"{name}: {value}\r\n" for name, value in fields) + f"Content-Length: {len(block)}\r\n\r\n"
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    return compressor.compress(WARC_VERSION + b"\r\n" + head.encode("utf-8") + block + b"\r\n\r\n") + compressor.flush()


def _record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def _warc_date() -> str:
    """Now, as WARC 1.1 writes it (microseconds, UTC)."""
    return datetime.now(timezone.utc).replace(tzinfo=None).isoformat() + "Z"


def warc_digest(sha256_hex: str) -> str:
    """A hex sha256 as a WARC digest value (sha256:<base32>)."""
    return "sha256:" + base64.b32encode(bytes.fromhex(sha256_hex)).decode("ascii")


_EMPTY_DIGEST = _sha256_digest(b"")


def safe_component(text: str, *, lowercase: bool) -> str:
    """Reduce text to a file-name component of [a-z0-9_-] (or [A-Za-z0-9_-]), never empty."""
    if lowercase:
        text = text.lower()
    pattern = r"[^a-z0-9_-]+" if lowercase else r"[^A-Za-z0-9_-]+"
    cleaned = re.sub(pattern, "-", text).strip("-")[:64]
    return cleaned or "unknown"


def _request_target(url: str) -> str:
    """The request-target of an HTTP/1.1 request line (path and query)."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


class WarcWriter:
    """Appends exchanges of one site and run to rotating WARC files in a directory."""

    def __init__(self, directory: str | os.PathLike, site: str, run_id: str, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.directory = Path(directory)
        self.prefix = f"{safe_component(site, lowercase=True)}-{safe_component(run_id, lowercase=False)}"
        self.max_bytes = max_bytes
        self._number = 0
        self._file: BinaryIO | None = None
        self._name = ""

    def _open_next(self) -> None:
        """Create the next unused file name exclusively and write its warcinfo record."""
        self.directory.mkdir(parents=True, exist_ok=True)
        while True:
            self._number += 1
            name = f"{self.prefix}-{self._number}.warc.gz"
            try:
                self._file = open(self.directory / name, "xb")
            except FileExistsError:
                continue  # an earlier (possibly crashed) process of this run, or a parallel worker
            break
        self._name = name
        info = f"software: harvester/{__version__}\r\nformat: WARC File Format 1.1\r\n".encode()
        self._file.write(_gzip_record([
            ("WARC-Type", "warcinfo"), ("WARC-Record-ID", _record_id()), ("WARC-Filename", name),
            ("WARC-Date", _warc_date()), ("WARC-Block-Digest", _sha256_digest(info)),
            ("Content-Type", "application/warc-fields")], info))
        self._file.flush()

    def write(
        self,
        *,
        url: str,
        method: str,
        request_headers: Headers,
        status: int,
        reason: str,
        response_headers: Headers,
        body: bytes,
        revisit_of: tuple[str, str, str] | None = None,
    ) -> WarcLocation:
        """Write one exchange; revisit_of=(sha256, original url, original date) writes a revisit."""
        if self._file is None:
            self._open_next()
        assert self._file is not None
        response_id, date = _record_id(), _warc_date()
        head = _http_block(f"HTTP/1.1 {status} {reason}".strip(), response_headers)
        if revisit_of is None:
            block = head + body
            response = _gzip_record([
                ("WARC-Type", "response"), ("WARC-Record-ID", response_id), ("WARC-Target-URI", url),
                ("WARC-Date", date), ("WARC-Payload-Digest", _sha256_digest(body)),
                ("WARC-Block-Digest", _sha256_digest(block)), ("Content-Type", HTTP_RESPONSE)], block)
        else:
            sha256, original_url, original_date = revisit_of
            response = _gzip_record([
                ("WARC-Type", "revisit"), ("WARC-Record-ID", response_id), ("WARC-Target-URI", url),
                ("WARC-Date", date), ("WARC-Profile", REVISIT_PROFILE), ("WARC-Refers-To-Target-URI", original_url),
                ("WARC-Refers-To-Date", original_date), ("WARC-Payload-Digest", warc_digest(sha256)),
                ("WARC-Block-Digest", _sha256_digest(head)), ("Content-Type", HTTP_RESPONSE)], head)
        request_head = _http_block(f"{method} {_request_target(url)} HTTP/1.1", request_headers)
        request = _gzip_record([
            ("WARC-Type", "request"), ("WARC-Record-ID", _record_id()), ("WARC-Target-URI", url),
            ("WARC-Date", date), ("WARC-Concurrent-To", response_id), ("WARC-Payload-Digest", _EMPTY_DIGEST),
            ("WARC-Block-Digest", _sha256_digest(request_head)), ("Content-Type", HTTP_REQUEST)], request_head)
        location = WarcLocation(self._name, self._file.tell())
        self._file.write(response)
        self._file.write(request)
        self._file.flush()
        if self._file.tell() >= self.max_bytes:
            self.close()
        return location

    def close(self) -> None:
        """Close the current file; the next write starts a new one."""
        if self._file is not None:
            self._file.close()
        self._file = None


class WarcWriters:
    """One WarcWriter per site for a run, created on first use."""

    def __init__(self, directory: str | os.PathLike, run_id: str, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.directory = Path(directory)
        self.run_id = run_id
        self.max_bytes = max_bytes
        self._writers: dict[str, WarcWriter] = {}

    def for_site(self, site: str) -> WarcWriter:
        """The writer for a site's files in this run."""
        if site not in self._writers:
            self._writers[site] = WarcWriter(self.directory, site, self.run_id, self.max_bytes)
        return self._writers[site]

    def close(self) -> None:
        """Close every open file."""
        for writer in self._writers.values():
            writer.close()


def check_record(path: Path, offset: int, sha256: str) -> str | None:
    """What is wrong with the response/revisit record at offset (None when it holds sha256 intact)."""
    try:
        with open(path, "rb") as stream:
            stream.seek(offset)
            record = next(iter(ArchiveIterator(stream, check_digests="raise")), None)
            if record is None or record.rec_type not in ("response", "revisit"):
                return f"{path.name}@{offset}: no response record"
            if record.rec_headers.get_header("WARC-Payload-Digest") != warc_digest(sha256):
                return f"{path.name}@{offset}: payload digest is not {sha256}"
            if record.rec_type == "response" and len(record.content_stream().read()) != record.payload_length:
                return f"{path.name}@{offset}: record is truncated"
    except (OSError, ArchiveLoadFailed, ValueError) as error:
        return f"{path.name}@{offset}: {str(error)[:200]}"
    return None


def record_bytes(path: Path, offset: int) -> bytes:
    """The gzip member of the record at `offset`, as stored (a WARC file of one record)."""
    with open(path, "rb") as stream:
        stream.seek(offset)
        iterator = ArchiveIterator(stream)
        record = next(iter(iterator), None)
        if record is None:
            raise ValueError(f"{path.name}@{offset}: no record")
        record.content_stream().read()  # to the record's end, so its length is known
        length = iterator.get_record_length()
        stream.seek(offset)
        return stream.read(length)
