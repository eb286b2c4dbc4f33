"""Parse archived documents in child processes that may die alone, each under a memory and a time limit.

One bad file (a stream inflating to gigabytes makes pdfium abort; a parser stuck in a loop) must
not stop `harvester load`: each document is parsed in a forked child of its own, in its own process
group (its OCR workers die with it), with RLIMIT_AS capping the address space it may add and a wall
clock deadline. A child that dies or overruns becomes a parse result of kind "error" saying why
and under which limits, which the load caches like any other. A cached crash is parsed again only
when it may now succeed (`worth_retrying`): a memory kill (or death by a signal) when the memory
limit changed, an overrun when the time limit changed, and any failure when the operator asks
(`harvester load --retry-failed`). Bytes the archive cannot vouch for (a blob missing, or no longer
hashing to its name) give a failure too, and no verdict on the file: it is retried at every load.

Limits: $HARVESTER_PARSE_MEMORY_MB (default 3072: the 1 GB-inflating PDF of issue 13 took pdfium
2.2 GB) and $HARVESTER_PARSE_TIMEOUT_S (default: the OCR stage's own document budget plus 5 min).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import re
import resource
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

import harvester.parse as parser
from harvester.archive.store import BlobMissing, BlobStore, BlobUnreadable, InvalidDigest, sha256_hex
from harvester.config import Layout
from harvester.parse.converter import shared_listener
from harvester.parse.model import OCR_METHODS, ParseResult
from harvester.parse.ocr.engine import load_models
from harvester.parse.ocr.limits import DOCUMENT_TIMEOUT_S, OCR_WORKERS_ENV
from harvester.parse.ocr.pool import OcrDeferred, PagesToRead, deferring

MEMORY_ENV = "HARVESTER_PARSE_MEMORY_MB"
TIMEOUT_ENV = "HARVESTER_PARSE_TIMEOUT_S"
DEFAULT_MEMORY_MB = 3072
DEFAULT_TIMEOUT_S = DOCUMENT_TIMEOUT_S + 300


@dataclass(frozen=True)
class Limits:
    """What one document's parse may take: address space beyond its worker's start, and seconds."""

    memory_mb: int = DEFAULT_MEMORY_MB
    seconds: float = DEFAULT_TIMEOUT_S

    @classmethod
    def from_env(cls) -> Limits:
        """The limits named by $HARVESTER_PARSE_MEMORY_MB and $HARVESTER_PARSE_TIMEOUT_S, else the defaults."""
        return cls(int(os.environ.get(MEMORY_ENV) or DEFAULT_MEMORY_MB),
                   float(os.environ.get(TIMEOUT_ENV) or DEFAULT_TIMEOUT_S))

    def describe(self) -> str:
        return f"limits {self.memory_mb} MB, {self.seconds:g} s"


# How a child's death is told (and read back by `crash_of`): its cause, then "(limits M MB, S s)".
KILLED = "parse worker killed by"
OUT_OF_MEMORY = "parse worker out of memory"
OVERRAN = "parse stopped: over its time limit"
ARCHIVE_FAULT = "archived blob"  # how a failure of the archive, not of the file, begins
_LIMITS = re.compile(r"\(limits (\d+) MB, ([\d.e+-]+) s\)$")


def crash_of(result: ParseResult) -> tuple[str, Limits] | None:
    """("memory" | "time", the limits it died under) for a result recording a child's death by memory,
    signal or time; None for any other result (a parse error or exit is not a matter of limits)."""
    reason = result.errors[0] if result.kind == "error" and len(result.errors) == 1 else ""
    found = _LIMITS.search(reason)
    if found is None or not reason.startswith((KILLED, OUT_OF_MEMORY, OVERRAN)):
        return None
    return ("time" if reason.startswith(OVERRAN) else "memory"), Limits(int(found[1]), float(found[2]))


def worth_retrying(cached: ParseResult, limits: Limits, retry_failed: bool = False) -> bool:
    """Whether a cached result should be parsed again under `limits`: any failure when `retry_failed`,
    else a failure of the archive (never a verdict on the file), or a crash whose own limit (memory
    for a kill, time for an overrun) differs from this one."""
    faulted = cached.errors[:1] != [] and cached.errors[0].startswith(ARCHIVE_FAULT)
    if cached.kind == "error" and (retry_failed or faulted):
        return True
    crash = crash_of(cached)
    if crash is None:
        return False
    cause, under = crash
    return under.seconds != limits.seconds if cause == "time" else under.memory_mb != limits.memory_mb


@dataclass
class _Running:
    """One child at work: its item, process, result pipe and deadline."""

    item: Any
    process: multiprocessing.Process
    conn: Connection
    deadline: float


def _address_space() -> int:
    """This process's current virtual size in bytes (/proc/self/status VmSize)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmSize:"))
    return int(line.split()[1]) * 1024


def _confine(limits: Limits) -> None:
    """In a child: a process group of its own, an address space capped at its start plus the limit, and
    the objects it was forked with left out of its garbage collections. A collection walking them wrote
    to every page holding one, copying the parent's heap into the child: a text document's parse on two
    workers took 104 ms where it took 74 on one, 82 with this (benchmarks/cluster_bench.py)."""
    gc.freeze()
    os.setpgid(0, 0)
    cap = _address_space() + limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def _answer(function: Callable[[Any], Any], item: Any, conn: Connection, limits: Limits) -> bool:
    """In a child: send function(item) down the pipe, or that memory ran out; whether it was answered."""
    try:
        conn.send(("ok", function(item)))
        return True
    except MemoryError:
        conn.send(("failed", f"{OUT_OF_MEMORY} ({limits.describe()})"))
        return False


def _child(function: Callable[[Any], Any], item: Any, conn: Connection, limits: Limits) -> None:
    """In the child: confined, one call, its result down the pipe."""
    _confine(limits)
    try:
        _answer(function, item, conn, limits)
    finally:
        conn.close()


def _fork(target: Callable[..., None], args: tuple[Any, ...], daemon: bool = False) -> multiprocessing.Process:
    """A started child running target(*args), in a process group of its own."""
    process = multiprocessing.get_context("fork").Process(target=target, args=args, daemon=daemon)
    process.start()
    try:
        os.setpgid(process.pid, process.pid)  # as the child does: whichever runs first, the group exists
    except OSError:
        pass  # the child already made it (or is gone)
    return process


def _start(function: Callable[[Any], Any], item: Any, limits: Limits) -> _Running:
    receive, send = multiprocessing.Pipe(duplex=False)
    process = _fork(_child, (function, item, send, limits))
    send.close()  # the child holds the only write end: its death reads as end of file here
    return _Running(item, process, receive, time.monotonic() + limits.seconds)


def _kill_group(process: multiprocessing.Process) -> None:
    """Kill a child and everything it started, and reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.kill()
    process.join()


def _kill(running: _Running) -> None:
    """Kill the child and everything it started, reap it, close its pipe."""
    _kill_group(running.process)
    running.conn.close()


def _received(conn: Connection) -> tuple[str, Any]:
    """What a child sent: ("ok", result) or ("failed", why); ("died", None) when it closed the pipe dying."""
    try:
        return conn.recv()
    except (EOFError, OSError):
        return "died", None


def _outcome(status: str, value: Any, process: multiprocessing.Process, limits: Limits) -> tuple[Any, str | None]:
    """(result, None) for a child's answer, else (None, why it gave none); a dead child must be reaped."""
    if status == "ok":
        return value, None
    if status == "failed":
        return None, value
    code = process.exitcode or 0
    how = f"{KILLED} {signal.Signals(-code).name}" if code < 0 else f"parse worker exited with status {code}"
    return None, f"{how} ({limits.describe()})"


def _finish(running: _Running, limits: Limits) -> tuple[Any, str | None]:
    """(result, None) from a child that answered, else (None, why it gave none)."""
    status, value = _received(running.conn)
    _kill(running)  # reaps it, and any OCR worker it left behind
    return _outcome(status, value, running.process, limits)


def isolated_map(function: Callable[[Any], Any], items: Sequence[Any], workers: int,
                 limits: Limits | None = None) -> Iterator[tuple[Any, Any, str | None]]:
    """Run function(item) for each item in a child of its own, `workers` at a time; yield
    (item, result, None) as each finishes, or (item, None, reason) when its child died or overran."""
    limits = limits or Limits.from_env()
    waiting, running = list(reversed(items)), []
    try:
        while waiting or running:
            while waiting and len(running) < workers:
                running.append(_start(function, waiting.pop(), limits))
            timeout = max(0.0, min(job.deadline for job in running) - time.monotonic())
            ready = wait([job.conn for job in running], timeout)
            for job in [job for job in running if job.conn in ready]:
                running.remove(job)
                yield job.item, *_finish(job, limits)
            for job in [job for job in running if time.monotonic() >= job.deadline]:
                running.remove(job)
                _kill(job)
                yield job.item, None, f"{OVERRAN} ({limits.describe()})"
    finally:
        for job in running:  # an interrupt, or the caller stopped early
            _kill(job)


KEPT_CHILD_CALLS = 100  # calls a kept child answers before a new one replaces it: what it leaks stays bounded


def _serve(conn: Connection, parent_end: Connection, limits: Limits) -> None:
    """In a kept child: confined, answer call after call until the pipe closes or memory runs out."""
    parent_end.close()  # else the parent's death would never read as end of file here
    _confine(limits)
    try:
        while True:
            try:
                function, item = conn.recv()
            except EOFError:
                return
            if not _answer(function, item, conn, limits):
                return  # out of memory: its heap is not trusted with another call
    finally:
        conn.close()


class KeptChild:
    """One forked child kept between calls, under the limits of isolated_map's children.

    A call runs function(item) there and gives (result, None), or (None, why) when the child died, ran
    out of memory or overran (told as isolated_map tells it); the next call then forks a new child, as
    it does after KEPT_CHILD_CALLS calls. What a child first touches is paid once, not at every call: a
    page read in a fresh child cost ~0.3 CPU s more than in one that had read a page before (the OCR
    engine's working memory, ~300 MB, faulted in again; benchmarks/cluster_bench.py). One call at a time.
    """

    def __init__(self, limits: Limits | None = None, calls: int = KEPT_CHILD_CALLS) -> None:
        self._limits_given, self.calls = limits, calls
        self.limits = limits or Limits.from_env()  # read again from the environment by each new child
        self._process: multiprocessing.Process | None = None
        self._conn: Connection | None = None
        self._answered = 0
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        """The kept child's process id, None while none is kept."""
        return self._process.pid if self._process is not None else None

    def call(self, function: Callable[[Any], Any], item: Any) -> tuple[Any, str | None]:
        """function(item) in the kept child (forked first if there is none): (result, None) or (None, why)."""
        with self._lock:
            conn = self._sent(function, item)
            if not conn.poll(self.limits.seconds):
                self._close()
                return None, f"{OVERRAN} ({self.limits.describe()})"
            status, value = _received(conn)
            self._answered += 1
            process = self._process
            assert process is not None
            if status != "ok" or self._answered >= self.calls:
                self._close()  # reaped: a dead child's exit status is known
            return _outcome(status, value, process, self.limits)

    def _sent(self, function: Callable[[Any], Any], item: Any) -> Connection:
        """The pipe of a child that has the call: the kept one, or a new one if that one died idle."""
        for _ in range(2):
            if self._conn is None:
                self._start()
            assert self._conn is not None
            try:
                self._conn.send((function, item))
                return self._conn
            except (BrokenPipeError, ConnectionResetError):
                self._close()  # it died between calls (the kernel's OOM killer, an operator): fork another
        raise RuntimeError("a freshly forked child closed its pipe before its first call")

    def _start(self) -> None:
        self.limits = self._limits_given or Limits.from_env()
        here, there = multiprocessing.Pipe(duplex=True)
        # A daemon: multiprocessing joins other children as this process exits, and a kept child waits
        # for a call until then (it may start programs, not children of multiprocessing: a page read does not).
        self._process = _fork(_serve, (there, here, self.limits), daemon=True)
        there.close()
        self._conn, self._answered = here, 0

    def _close(self) -> None:
        """Kill the kept child (and what it started) and forget it; the next call forks a new one."""
        if self._process is not None:
            _kill_group(self._process)
        if self._conn is not None:
            self._conn.close()
        self._process = self._conn = None

    def close(self) -> None:
        """Stop the kept child, if any."""
        with self._lock:
            self._close()


def failed_parse(name: str, sha256: str, reason: str, carrier: str = "unknown") -> ParseResult:
    """The recorded result of a parse that failed: kind "error", with its reason."""
    return ParseResult(path=name, sha256=sha256, carrier=carrier, kind="error", errors=[reason],
                       parser_version=parser.PARSER_VERSION)


def parse_archived(root: Path, shas: Sequence[str], workers: int,
                   ocr_elsewhere: bool = False) -> Iterator[ParseResult | PagesToRead]:
    """Parse archived blobs, each in a child of its own, `workers` at a time, in the order they finish;
    a child that died or overran gives a failed result saying so. With `ocr_elsewhere`, a blob with
    pages to OCR that are not in the page cache gives those pages instead (harvester.parse.ocr.pool.deferring).

    Once a blob has been read by OCR, this process loads the OCR models (~1.5 CPU s, ~115 MiB), so
    the children forked after it, and their OCR workers, inherit them instead of each loading its own."""
    # Parse workers already fill the cores: each OCRs its scanned pages with one process then.
    one_core_each = workers > 1 and len(shas) > 1
    parse = partial(_parse_blob, root, one_core_each, ocr_elsewhere)
    with shared_listener(workers):  # LibreOffice listeners for the children's DOC, stopped at the end
        for sha256, result, failure in isolated_map(parse, shas, workers):
            if failure is None and isinstance(result, ParseResult) and result.method in OCR_METHODS:
                load_models()  # one-thread sessions: this process stays safe to fork
            yield result if failure is None else failed_parse(sha256, sha256, failure)


def _parse_blob(root: Path, one_core: bool, ocr_elsewhere: bool, sha256: str) -> ParseResult | PagesToRead:
    """In a child: parse one blob (or name its pages to OCR elsewhere first); an exception becomes a
    recorded error, never a crash."""
    if one_core:
        os.environ[OCR_WORKERS_ENV] = "1"
    try:
        data = trusted_bytes(root, sha256)
    except ArchiveFault as fault:
        return failed_parse(sha256, sha256, str(fault))
    try:
        with deferring() if ocr_elsewhere else nullcontext():
            return parser.parse_bytes(data, sha256, ocr_cache=Layout(root).ocr_cache)
    except OcrDeferred as deferred:
        return deferred.pages
    except MemoryError:
        raise  # _child names it, with the limits it ran under
    except Exception as error:  # noqa: BLE001 - a parser bug must not stop the archive load
        return failed_parse(sha256, sha256, f"{type(error).__name__}: {error}")


class ArchiveFault(Exception):
    """The archive cannot give the bytes it names: the file itself was never judged."""


def trusted_bytes(root: Path, sha256: str) -> bytes:
    """The archived bytes named `sha256`, when they still hash to it; else ArchiveFault saying why."""
    try:
        data = BlobStore(root).read(sha256)
    except InvalidDigest as error:
        raise ArchiveFault(f"{ARCHIVE_FAULT} cannot be named: {error}") from None
    except BlobMissing:
        raise ArchiveFault(f"{ARCHIVE_FAULT} is missing: {sha256}") from None
    except BlobUnreadable as error:
        raise ArchiveFault(f"{ARCHIVE_FAULT} is unreadable: {error}") from None
    if (actual := sha256_hex(data)) != sha256:
        raise ArchiveFault(f"{ARCHIVE_FAULT} is corrupt: its bytes hash to {actual}")
    return data
