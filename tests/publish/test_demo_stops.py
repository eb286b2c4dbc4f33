"""`harvester demo` stops, with every process it started, on Ctrl-C (SIGINT to its process group) and on
SIGTERM (what a process manager or `docker stop` sends): the next demo finds its port free."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from publish.helpers import free_port


def group_members(group: int) -> list[int]:
    """Live (non-zombie) processes of process group `group`."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    """Poll until `condition` holds (True) or `seconds` pass (False)."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)
    return condition()


def serving(base: str) -> bool:
    try:
        return httpx.get(f"{base}/-/versions.json", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One archive for both runs: the second demo is an incremental recrawl (fast)."""
    return tmp_path_factory.mktemp("demo")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_demo_stops_whole_on_a_signal_to_its_group(demo_root: Path, signum: signal.Signals) -> None:
    port = free_port()
    demo = subprocess.Popen([sys.executable, "-m", "harvester", "demo", "--archive", str(demo_root),
                             "--portal-port", "0", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        assert wait_for(lambda: serving(f"http://127.0.0.1:{port}") or demo.poll() is not None, 600)
        assert demo.poll() is None, "the demo ended before serving"
        assert group_members(demo.pid)
        os.killpg(demo.pid, signum)
        assert wait_for(lambda: not group_members(demo.pid), 30), group_members(demo.pid)
        assert port_free(port)
    finally:
        for pid in group_members(demo.pid):  # whatever is left: not to outlive the test
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        demo.wait()
