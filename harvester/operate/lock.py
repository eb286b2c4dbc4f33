"""A run lock that survives crashes: one row in archive.db holding pid, host, start time and heartbeat.

Taking the lock is one BEGIN IMMEDIATE transaction, so two schedulers (even on two machines
sharing the archive) cannot both win. A held lock is stale, and is taken over, when its
process is gone (same host: the pid is not alive) or its heartbeat is older than
`stale_after` (any host; the holder refreshes it while it works).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from harvester.archive.fetchlog import FetchLog, operating
from harvester.operate.state import iso, parse_iso
from harvester.processes import pid_alive

Clock = Callable[[], datetime]


class LockHeld(RuntimeError):
    """Another live run holds the lock."""


@dataclass(frozen=True)
class Holder:
    """Who holds (or held) a lock."""

    run_id: str
    pid: int
    host: str
    started_at: str
    heartbeat: str


class RunLock:
    """The named lock; `acquire` returns the stale holder it replaced (or None)."""

    def __init__(self, log: FetchLog, clock: Clock, stale_after: timedelta, name: str = "schedule") -> None:
        self.log = log
        self.clock = clock
        self.stale_after = stale_after
        self.name = name
        self.run_id: str | None = None

    def holder(self) -> Holder | None:
        """The current holder, if any."""
        row = operating.lock_holder(self.log, self.name)
        return Holder(**row) if row else None

    def is_stale(self, holder: Holder) -> bool:
        """True when the holder's process is dead or its heartbeat is too old."""
        if holder.host == socket.gethostname() and not pid_alive(holder.pid):
            return True
        return self.clock() - parse_iso(holder.heartbeat) > self.stale_after

    def acquire(self, run_id: str) -> Holder | None:
        """Take the lock for run_id; raise LockHeld if a live run has it; return a replaced stale holder."""
        now = iso(self.clock())
        mine = {"run_id": run_id, "pid": os.getpid(), "host": socket.gethostname(), "started_at": now, "heartbeat": now}
        replaced = operating.take_lock(self.log, self.name, mine, self._refuse_live)
        self.run_id = run_id
        return Holder(**replaced) if replaced else None

    def _refuse_live(self, row: dict[str, object]) -> None:
        """Raise LockHeld when the current holder is alive."""
        current = Holder(**row)
        if not self.is_stale(current):
            raise LockHeld(
                f"run {current.run_id} (pid {current.pid} on {current.host}, started {current.started_at},"
                f" heartbeat {current.heartbeat}) holds the {self.name} lock"
            )

    def heartbeat(self) -> None:
        """Tell others this run is still alive."""
        operating.beat_lock(self.log, self.name, self.run_id, iso(self.clock()))

    def release(self) -> None:
        """Drop the lock if this run still holds it."""
        operating.release_lock(self.log, self.name, self.run_id)
        self.run_id = None
