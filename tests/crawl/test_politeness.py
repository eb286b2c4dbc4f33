"""Turn files of the machine's crawls (politeness.FileHostTurns): a host whose robots.txt asks no delay is
not locked request by request, and a delay another crawl stored for a host is still kept."""

from __future__ import annotations

import fcntl
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harvester.crawl.politeness import FileHostTurns

HOST = "127.0.0.1:8000"
BOUND_S = 60  # only a failing test waits this long: a request blocked by another crawl's lock


def test_requests_to_a_host_without_a_delay_take_no_lock(tmp_path: Path) -> None:
    turns = FileHostTurns(tmp_path, refresh_s=3600)
    turns.robots_back(HOST, 0.0, time.monotonic())  # its robots.txt asks nothing
    assert turns.delay_of(HOST) == 0.0
    [turn_file] = tmp_path.iterdir()
    with open(turn_file, "a+") as other_crawl, ThreadPoolExecutor(1) as pool:
        fcntl.flock(other_crawl, fcntl.LOCK_EX)  # another crawl of the machine is taking a turn
        try:
            delays = pool.submit(lambda: [turns.delay_of(HOST) for _ in range(1000)]).result(timeout=BOUND_S)
        finally:
            fcntl.flock(other_crawl, fcntl.LOCK_UN)
    assert delays == [0.0] * 1000


def test_a_delay_another_crawl_stored_is_kept(tmp_path: Path) -> None:
    mine, other = FileHostTurns(tmp_path, refresh_s=0), FileHostTurns(tmp_path, refresh_s=0)
    mine.robots_back(HOST, None, time.monotonic())  # this crawl's robots.txt request got no answer
    assert mine.delay_of(HOST) == 0.0
    other.robots_back(HOST, 2.0, time.monotonic())
    assert mine.delay_of(HOST) == 2.0
