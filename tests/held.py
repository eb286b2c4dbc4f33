"""Tests that stop a crawl mid-way wait for a state, never for a time: a column of the replica portal
whose first articles are held unanswered (the crawl cannot end while one is asked for), a poll, a relay
in front of Redis that stops a worker right after a chosen command, and waits on distributed workers."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from harvester.operate import workers
from harvester.portal import Portal


@dataclass
class HeldColumn:
    """A generated column of the replica portal whose first articles are held unanswered."""

    portal: Portal
    start: str  # the column's start URL
    articles: list[str]  # every article's URL, in list order
    held: list[str]  # the held ones
    gates: list[threading.Event]  # set them to answer the held requests

    def asked(self) -> bool:
        """Whether the portal was asked for a held article: the crawl is mid-way, it cannot have ended."""
        return any(self.portal.times_requested(url) for url in self.held)

    def release(self) -> None:
        """Answer the held requests (and every later one)."""
        for gate in self.gates:
            gate.set()


def held_column(portal: Portal, n_pages: int, held: int | None = None) -> HeldColumn:
    """Add a column of about `n_pages` pages to the portal, holding its first `held` articles (default: all)."""
    start = portal.generate_large(n_pages)
    articles = [portal.absolute(entry.url) for entry in portal.catalogue.large.column.entries]
    gates = [portal.hold(urlsplit(url).path) for url in articles[:held]]
    assert gates
    return HeldColumn(portal, start, articles, articles[:held], gates)


def wait_for(condition: Callable[[], bool], seconds: float = 120) -> bool:
    """Poll until `condition` holds (True), or give up after `seconds` (False: the state never came)."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


class RedisGate:
    """A TCP relay in front of a Redis server for one client process (its REDIS_URL is `url`). Once the
    process sends a command `trips` on, the command is passed on and then the gate shuts: none of the
    process's later commands (on any of its connections) reaches Redis, so it hangs just after that
    command, as a process killed at that instant would have left Redis. `tripped` is set then.
    `commands` lists the commands passed on (each a list of its parts)."""

    _tripping = threading.Lock()  # one gate trips at a time: a shared `tripped` stops one process only

    def __init__(self, upstream: str, trips: Callable[[list[bytes]], bool], tripped: threading.Event) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname, parts.port)
        self.trips = trips
        self.tripped = tripped  # may be shared by several gates: the first to trip shuts, the others stay open
        self.shut = threading.Event()
        self.commands: list[list[bytes]] = []
        self._sockets: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"redis://127.0.0.1:{self._listener.getsockname()[1]}{parts.path}"
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        """Stop relaying and close the client's connections."""
        self.shut.set()
        for connection in [self._listener, *self._sockets]:
            connection.close()

    def _accept(self) -> None:
        while not self.shut.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed
                return
            server = socket.create_connection(self.upstream)
            self._sockets += [client, server]
            threading.Thread(target=self._relay_commands, args=(client, server), daemon=True).start()
            threading.Thread(target=self._relay_replies, args=(server, client), daemon=True).start()

    def _relay_commands(self, client: socket.socket, server: socket.socket) -> None:
        """Pass the client's commands one by one, until the gate shuts."""
        buffer = b""
        while chunk := _receive(client):
            buffer += chunk
            while (parsed := _command(buffer)) is not None:
                command, size = parsed
                if self.shut.is_set():
                    return
                try:
                    server.sendall(buffer[:size])
                except OSError:  # the gate closed
                    return
                buffer = buffer[size:]
                self.commands.append(command)
                with self._tripping:
                    if not self.tripped.is_set() and self.trips(command):
                        self.shut.set()
                        self.tripped.set()

    def _relay_replies(self, server: socket.socket, client: socket.socket) -> None:
        try:
            while chunk := _receive(server):
                client.sendall(chunk)
        except OSError:  # the client is gone (killed) or the gate closed
            pass


def _receive(connection: socket.socket) -> bytes:
    """The next bytes of a connection, b"" once it is closed."""
    try:
        return connection.recv(65536)
    except OSError:
        return b""


def _command(buffer: bytes) -> tuple[list[bytes], int] | None:
    """The first RESP command (an array of bulk strings, as redis-py sends) in `buffer` and its size in
    bytes, or None while it is incomplete."""
    end = buffer.find(b"\r\n")
    if end < 0:
        return None
    count, position, parts = int(buffer[1:end]), end + 2, []
    for _ in range(count):
        end = buffer.find(b"\r\n", position)
        if end < 0:
            return None
        length = int(buffer[position + 1:end])
        if len(buffer) < end + 2 + length + 2:
            return None
        parts.append(buffer[end + 2:end + 2 + length])
        position = end + 2 + length + 2
    return parts, position


def wait_until_alive(crawl: workers.Crawl, started: list[workers.Worker], timeout: float = 120) -> None:
    """Block until every started worker has published its heartbeat; fail at once, with its log's
    tail, when one of them exits instead."""
    deadline = time.monotonic() + timeout
    try:
        while len(list(crawl.client().scan_iter(match=f"{crawl.prefix}:*:alive:*"))) < len(started):
            assert_running(started)
            assert time.monotonic() < deadline, "workers did not come up:\n" + "\n".join(map(log_tail, started))
            time.sleep(0.2)
    except AssertionError:
        stop_running(started)  # the others wait for a crawl that will not begin
        raise


def stop_running(started: list[workers.Worker]) -> None:
    """Stop the workers still running (after a failure: they would wait for work that never comes)."""
    for worker in started:
        if worker.process.poll() is None:
            workers.stop(worker)


def assert_running(started: list[workers.Worker]) -> None:
    """Fail, with the log's tail, if a worker has exited."""
    for worker in started:
        assert worker.process.poll() is None, f"{worker.name} exited {worker.process.returncode}:\n{log_tail(worker)}"


def log_tail(worker: workers.Worker, lines: int = 30) -> str:
    """The last lines of a worker's log."""
    return f"--- {worker.log}\n" + "\n".join(worker.log.read_text(errors="replace").splitlines()[-lines:])


def frozen_in_flight(crawl: workers.Crawl, candidates: list[workers.Worker], ready: Callable[[workers.Worker], bool],
                     seconds: float = 120) -> workers.Worker:
    """A worker of `candidates` caught mid-crawl (`ready(worker)`) with requests in flight, frozen by SIGSTOP
    (checked stopped before its in-flight list is read, so the list cannot change any more)."""
    client = crawl.client()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for worker in candidates:
            inflight = f"{crawl.prefix}:requests:inflight:{worker.name}"
            if ready(worker) and client.llen(inflight):
                os.killpg(worker.process.pid, signal.SIGSTOP)
                assert wait_for(lambda: stopped(worker.process.pid), 30), f"{worker.name} did not stop"
                client.ping()  # a command it sent just before it stopped is through by now
                if client.llen(inflight):
                    return worker
                os.killpg(worker.process.pid, signal.SIGCONT)
        assert_running(candidates)
        time.sleep(0.02)
    raise AssertionError("no worker ever had requests in flight")


def stopped(pid: int) -> bool:
    """Whether a process is stopped by a signal (state T in /proc/PID/stat)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("T", "t")
