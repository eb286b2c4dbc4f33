"""Fixtures of the operate tests: the replica portal, a fake clock, a webhook receiver on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harvester.operate.workers import start_local_redis
from harvester.portal import Portal, start_portal


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move time forward."""
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    """10 February 2026, in the governments' reporting season."""
    return FakeClock(datetime(2026, 2, 10, 3, 0, tzinfo=timezone.utc))


@pytest.fixture
def replica() -> Iterator[Portal]:
    """A fresh replica portal (each test changes it)."""
    portal = start_portal()
    yield portal
    portal.stop()


class Webhook:
    """Payloads POSTed to a real HTTP server on 127.0.0.1."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (stdlib name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.received.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    """A webhook receiver; `.url`, `.received`."""
    hook = Webhook()
    yield hook
    hook.server.shutdown()
    hook.server.server_close()


@pytest.fixture
def redis_url(tmp_path_factory) -> Iterator[str]:
    """A private redis-server (Debian binary) on a free port, no persistence, in a temp dir."""
    server, url = start_local_redis(tmp_path_factory.mktemp("redis"))
    yield url
    server.terminate()
    server.wait(timeout=10)
