"""The content-addressed blob store: layout, atomicity, path safety, concurrent writers."""

from __future__ import annotations

import hashlib
import multiprocessing
from pathlib import Path

import pytest

from harvester.archive.store import BlobMissing, BlobStore, InvalidDigest, write_atomically


def test_put_stores_once_under_its_hash(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    data = "政府信息公开工作年度报告".encode()
    sha = store.put(data)
    assert sha == hashlib.sha256(data).hexdigest()
    path = tmp_path / "blobs" / "sha256" / sha[:2] / sha[2:4] / sha
    assert path.read_bytes() == data
    assert store.read(sha) == data
    before = path.stat().st_mtime_ns
    assert store.put(data) == sha
    assert path.stat().st_mtime_ns == before  # not rewritten
    assert list(store) == [sha]


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd", "A" * 64, "0" * 63, "0" * 65, "/" + "0" * 63, "g" * 64, "", "0" * 62 + "/."],
)
def test_names_that_are_not_digests_are_refused(tmp_path: Path, name: str) -> None:
    store = BlobStore(tmp_path)
    with pytest.raises(InvalidDigest):
        store.path(name)
    with pytest.raises(InvalidDigest):
        store.read(name)


def test_missing_blob_is_a_named_error(tmp_path: Path) -> None:
    with pytest.raises(BlobMissing):
        BlobStore(tmp_path).read("0" * 64)


def test_leftover_temp_file_is_invisible(tmp_path: Path) -> None:
    """What a kill -9 during put leaves behind is never taken for a blob."""
    store = BlobStore(tmp_path)
    data = b"complete"
    sha = hashlib.sha256(data).hexdigest()
    folder = store.path(sha).parent
    folder.mkdir(parents=True)
    (folder / ".tmp-deadbeef").write_bytes(b"compl")  # half-written
    assert not store.has(sha)
    assert list(store) == []
    assert store.put(data) == sha
    assert list(store) == [sha]
    assert store.read(sha) == data


def _put_many(root: str, seed: int) -> list[str]:
    store = BlobStore(root)
    shared = [store.put(f"shared blob {i}".encode() * 1000) for i in range(40)]
    own = [store.put(f"own blob {seed}-{i}".encode()) for i in range(20)]
    return shared + own


def test_new_folders_are_made_and_a_file_in_their_place_is_an_error(tmp_path: Path) -> None:
    """A blob's two new folders are made on its first write; a file where a folder belongs is an error,
    never taken for "already stored" by a write that must not replace (a merge's)."""
    store = BlobStore(tmp_path)
    digest = store.put(b"first")
    assert store.read(digest) == b"first" and not list(store.path(digest).parent.glob(".tmp-*"))
    blocked = tmp_path / "blocked"
    blocked.write_bytes(b"a file, not a folder")
    with pytest.raises(OSError):
        write_atomically(blocked / "ab" / "final", lambda out: out.write(b"x"), replace=False)
    assert blocked.read_bytes() == b"a file, not a folder"


def test_concurrent_puts_from_several_processes(tmp_path: Path) -> None:
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        results = pool.starmap(_put_many, [(str(tmp_path), seed) for seed in range(4)])
    store = BlobStore(tmp_path)
    expected = {sha for result in results for sha in result}
    assert set(store) == expected
    assert len(expected) == 40 + 4 * 20
    for sha in expected:
        assert store.rehash(sha) == sha
    assert not list(store.base.glob("??/??/.tmp-*"))
