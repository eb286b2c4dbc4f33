"""Content-addressed blob store: every fetched body once, at blobs/sha256/ab/cd/<sha256>.

A blob's path is derived only from its SHA-256 (validated as 64 lowercase hex digits),
never from a URL or a server-supplied file name, so hostile input cannot choose where
bytes land. Writes go to a temp file in the final directory, are fsynced, then renamed
with os.replace: a kill -9 leaves at most a stray ``.tmp-*`` file, never a half blob under
a final name. Concurrent puts of the same content are harmless (same bytes, atomic rename).
A put whose digest names a blob that is missing or no longer holds those bytes (bit rot, a
truncated copy) repairs it the same way, so a recrawl or a merge mends a damaged archive.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from harvester.config import Layout

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
TEMP_PREFIX = ".tmp-"


class InvalidDigest(ValueError):
    """A string that is not a lowercase hex SHA-256 was used as a blob name."""


class BlobMissing(FileNotFoundError):
    """No blob with this SHA-256 is in the store."""


class BlobUnreadable(OSError):
    """A blob's path holds something that cannot be read as a file (a folder, no permission, EIO)."""


class DigestMismatch(ValueError):
    """Copied bytes do not hash to the SHA-256 they were copied as."""


def sha256_hex(data: bytes) -> str:
    """The lowercase hex SHA-256 of data."""
    return hashlib.sha256(data).hexdigest()


def check_digest(sha256: str) -> str:
    """Return sha256 if it is 64 lowercase hex digits, else raise InvalidDigest."""
    if not isinstance(sha256, str) or not SHA256_HEX.fullmatch(sha256):
        raise InvalidDigest(f"not a sha256 hex digest: {sha256!r}")
    return sha256


def stream_sha256(stream: BinaryIO, out: BinaryIO | None = None) -> str:
    """The hex SHA-256 of a stream read to its end in 1 MiB chunks, copying them to out if given."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        digest.update(chunk)
        if out is not None:
            out.write(chunk)
    return digest.hexdigest()


def file_sha256(path: str | os.PathLike) -> str:
    """The hex SHA-256 of a file, streaming."""
    with open(path, "rb") as stream:
        return stream_sha256(stream)


def copy_verified(source: str | os.PathLike, out: BinaryIO, sha256: str) -> None:
    """Copy a file into out, raising DigestMismatch if its bytes do not hash to sha256."""
    with open(source, "rb") as stream:
        actual = stream_sha256(stream, out)
    if actual != sha256:
        raise DigestMismatch(f"{source} hashes to {actual}, not {sha256}")


def write_atomically(final: Path, write: Callable[[BinaryIO], None], *, replace: bool = True) -> bool:
    """Write final through a temp file in its directory, fsynced, then renamed into place.

    With replace=False an existing final is never overwritten (hard link instead of rename):
    returns False, leaving nothing behind, when final already exists.
    """
    temp = final.parent / f"{TEMP_PREFIX}{secrets.token_hex(8)}"
    out = _create(temp)  # outside the try: a folder that cannot be made is not "final already exists"
    renamed = False
    try:
        with out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        if replace:
            os.replace(temp, final)
            renamed = True
        else:
            os.link(temp, final)
    except FileExistsError:
        if replace:
            raise
        return False
    finally:
        if not renamed:  # a temp file renamed away is not asked for again (a crawl writes one a page)
            temp.unlink(missing_ok=True)
    _fsync_dir(final.parent)
    return True


def _create(temp: Path) -> BinaryIO:
    """Open a new temp file exclusively, making its folder first only when it is missing (asking for
    the folder of every blob cost as much as writing the blob: crawl_bench.py)."""
    try:
        return open(temp, "xb")
    except FileNotFoundError:
        _make_folder(temp.parent)
        return open(temp, "xb")


def _make_folder(folder: Path) -> None:
    """Make folder and its missing ancestors, each made durable in its parent (a blob's ab/ and ab/cd/)."""
    if not folder.parent.is_dir():
        _make_folder(folder.parent)
    folder.mkdir(exist_ok=True)
    _fsync_dir(folder.parent)


def _holds(path: Path, data: bytes) -> bool:
    """Whether the file at path holds exactly data (compared in 1 MiB chunks; False when absent)."""
    try:
        if path.stat().st_size != len(data):
            return False
        with open(path, "rb") as stored:
            view = memoryview(data)
            return all(stored.read(1 << 20) == view[at:at + (1 << 20)] for at in range(0, len(data), 1 << 20))
    except FileNotFoundError:
        return False


def _fsync_dir(directory: Path) -> None:
    """Make a rename in directory durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    """Blobs under ``<root>/blobs/sha256``; root is the archive root."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.base = Layout(Path(root)).blobs / "sha256"

    def path(self, sha256: str) -> Path:
        """Where the blob with this digest lives (whether or not it exists)."""
        check_digest(sha256)
        return self.base / sha256[:2] / sha256[2:4] / sha256

    def has(self, sha256: str) -> bool:
        """Whether the blob is stored."""
        return self.path(sha256).is_file()

    def intact(self, sha256: str) -> bool:
        """Whether the blob is stored and its bytes still hash to its name."""
        return self.has(sha256) and self.rehash(sha256) == sha256

    def put(self, data: bytes) -> str:
        """Store data once and return its SHA-256; a blob already holding these bytes is not rewritten,
        one missing or holding other bytes is replaced."""
        digest = sha256_hex(data)
        final = self.path(digest)
        if not _holds(final, data):
            write_atomically(final, lambda out: out.write(data))
        return digest

    def put_file(self, source: str | os.PathLike, sha256: str) -> bool:
        """Copy a file in as blob sha256, verifying the digest while streaming; False if already stored
        intact (a damaged blob of that name is replaced).

        Raises DigestMismatch (nothing stored, the old blob left as it was) when the file's bytes do
        not hash to sha256.
        """
        if self.intact(sha256):
            return False
        return write_atomically(self.path(sha256), lambda out: copy_verified(source, out, sha256))

    def open(self, sha256: str) -> BinaryIO:
        """Open a stored blob for reading (BlobMissing if absent, BlobUnreadable if not readable)."""
        try:
            return open(self.path(sha256), "rb")
        except FileNotFoundError:
            raise BlobMissing(sha256) from None
        except OSError as error:
            raise BlobUnreadable(f"{sha256}: {error.strerror or error}") from error

    def read(self, sha256: str) -> bytes:
        """The bytes of a stored blob."""
        with self.open(sha256) as blob:
            return blob.read()

    def __iter__(self) -> Iterator[str]:
        """Digests of all complete blobs; leftover temp files and strangers are skipped."""
        if not self.base.is_dir():
            return
        for path in sorted(self.base.glob("??/??/*")):
            name = path.name
            if SHA256_HEX.fullmatch(name) and path.parent.parent.name == name[:2] and path.parent.name == name[2:4]:
                yield name

    def rehash(self, sha256: str) -> str:
        """Recompute the digest of a stored blob from disk, streaming."""
        with self.open(sha256) as blob:
            return stream_sha256(blob)
