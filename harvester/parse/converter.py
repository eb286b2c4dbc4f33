"""A pool of long-lived LibreOffice listeners shared by the processes of a run, each restarted alone.

Starting LibreOffice costs 1-6 s a file; a running one converts a report in a fraction of that,
but one document at a time. So a run keeps a pool: one listener (harvester.parse.listener, with a
profile of its own) per slot, as many slots as parse workers up to the cores. A slot's listener
starts when a conversion first needs it; a conversion holds its slot (a lock) while it runs,
taking the first free one so that started listeners serve first. A call that cannot reach its
slot's listener, or finds it dead, starts a new one there and tries once more; a call that
overruns kills it (the next call on the slot starts another) and fails.

Processes find the pool through $HARVESTER_CONVERTER_POOL (its owner, size and folder), set by
`shared_listener()` before a run forks its workers, which stops the listeners at the end. A run inside a run (a parse
in a cluster worker that keeps its pool) uses the enclosing pool; a process outside any run makes
its own, stopped at its exit. Each listener's guard also ends it and removes the folder when the
pool's owner dies, even by kill -9.

$HARVESTER_UNOSERVER names the unoserver executable; "off" converts with one soffice per file.
"""

from __future__ import annotations

import atexit
import fcntl
import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from harvester.parse import libreoffice
from harvester.parse.libreoffice import ConversionError
from harvester.parse.listener import DiedStarting, Listener, Unreachable, call, recorded, running, start

UNOSERVER_ENV = "HARVESTER_UNOSERVER"
POOL_ENV = "HARVESTER_CONVERTER_POOL"


@dataclass(frozen=True)
class Pool:
    """A run's listeners: their folder (made at the first conversion), owner process and slots."""

    folder: Path
    owner: int
    size: int

    def __str__(self) -> str:
        return f"{self.owner}:{self.size}:{self.folder}"

    @classmethod
    def named(cls) -> Pool | None:
        """The pool $HARVESTER_CONVERTER_POOL names (its owner may have ended since), or None."""
        try:
            owner, size, folder = os.environ[POOL_ENV].split(":", 2)
            return cls(Path(folder), int(owner), int(size))
        except (KeyError, ValueError):
            return None

    def live(self) -> bool:
        """Its owner still runs (a parse child of a run killed with -9 finds it gone)."""
        return running(self.owner)


def unoserver() -> str | None:
    """The unoserver executable, or None when there is none (or $HARVESTER_UNOSERVER is "off")."""
    named = os.environ.get(UNOSERVER_ENV)
    if named:
        return None if named == "off" else named
    beside = Path(sys.prefix) / "uno" / "bin" / "unoserver"
    return str(beside) if beside.exists() else shutil.which("unoserver")


def convert(data: bytes, source_suffix: str, extension: str, filter_name: str) -> bytes:
    """`data` (a file ending in source_suffix) converted to `extension` ("docx") by a listener of
    the pool; without unoserver, by one soffice run with `filter_name`."""
    executable = unoserver()
    if executable is None:
        return libreoffice.convert(data, source_suffix, f"{extension}:{filter_name}")
    pool = Pool.named() or process_pool()
    with _slot(pool) as slot:
        for _ in range(2):  # a listener that died starting, or under a call, is started once more
            try:
                listener = _listener(pool, slot, executable)
            except DiedStarting as error:  # its processes are gone already
                failure: Exception = error
                continue
            try:
                return call(listener, data, extension)
            except Unreachable as error:
                listener.stop()
                failure = error
    raise ConversionError(f"LibreOffice listener failed twice: {failure}")


@contextmanager
def shared_listener(size: int = 1) -> Iterator[Pool]:
    """The pool of this process and the children it forks: `size` listeners at most (capped at the
    cores), stopped at the end; an enclosing run's pool when there is one (left running)."""
    enclosing = Pool.named()
    if enclosing is not None and enclosing.live():
        yield enclosing
        return
    pool = _new_pool(size)
    try:
        yield pool
    finally:
        _stop(pool)
        os.environ.pop(POOL_ENV, None)


def process_pool() -> Pool:
    """This process's pool, made for its lifetime when it has none (a cluster worker's, reused by
    every job it runs); stopped at its exit, or by the listeners' guards when it is killed."""
    pool = Pool.named()
    if pool is None or not pool.live():
        pool = _new_pool(1)
        atexit.register(_stop, pool)
    return pool


def listeners(pool: Pool) -> list[Listener]:
    """The listeners the pool's slots name, in slot order (alive or not)."""
    return [listener for slot in sorted(pool.folder.glob("slot-*")) if (listener := recorded(slot))]


def starts(pool: Pool) -> list[int]:
    """The guard pid of every listener the pool started, in order (a restart adds one)."""
    path = pool.folder / "starts"
    return [int(pid) for pid in path.read_text().split()] if path.exists() else []


def _new_pool(size: int) -> Pool:
    """A pool owned by this process, named in its environment for the children it forks. Its
    folder is made by the first conversion: a run that converts nothing leaves nothing behind."""
    name = f"harvester_listener_{os.getpid()}_{secrets.token_hex(4)}"
    pool = Pool(Path(tempfile.gettempdir()) / name, os.getpid(), max(1, min(size, os.cpu_count() or 1)))
    os.environ[POOL_ENV] = str(pool)
    return pool


@contextmanager
def _slot(pool: Pool) -> Iterator[Path]:
    """A slot of the pool, locked for one conversion: the first free one, else one picked by pid."""
    if not pool.live():  # a parse child orphaned by a killed run: its listeners are gone
        raise ConversionError(f"LibreOffice pool of process {pool.owner} is gone (its run ended)")
    pool.folder.mkdir(exist_ok=True)
    lock = _take_slot(pool)
    try:
        yield Path(lock.name).parent
    finally:
        lock.close()


def _take_slot(pool: Pool) -> IO[str]:
    """The open, locked lock file of a slot: the first free, else this process's own (waiting)."""
    for number in range(pool.size):
        lock = _slot_lock(pool, number)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return lock
        except BlockingIOError:
            lock.close()
    lock = _slot_lock(pool, os.getpid() % pool.size)
    fcntl.flock(lock, fcntl.LOCK_EX)
    return lock


def _slot_lock(pool: Pool, number: int) -> IO[str]:
    """The lock file of slot `number`, opened (the slot made when new)."""
    slot = pool.folder / f"slot-{number}"
    slot.mkdir(exist_ok=True)
    return open(slot / "lock", "a")


def _listener(pool: Pool, slot: Path, executable: str) -> Listener:
    """The slot's live listener, started first when there is none (the caller holds the slot)."""
    listener = recorded(slot)
    if listener is not None and listener.alive():
        return listener
    if listener is not None:
        listener.stop()  # half dead: the guard without soffice, or the reverse
    listener = start(slot, executable, pool.owner, pool.folder)
    with open(pool.folder / "starts", "a") as starts_file:  # one line per start: how often it was (re)started
        starts_file.write(f"{listener.pid}\n")
    return listener


def _stop(pool: Pool) -> None:
    for listener in listeners(pool):
        listener.stop()
    shutil.rmtree(pool.folder, ignore_errors=True)
