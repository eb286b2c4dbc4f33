"""Run one LibreOffice listener so that it dies with the run that owns it, and its folder with it.

    python listener_guard.py OWNER_PID FOLDER COMMAND...

Started in a session of its own (so a parse child's process-group kill leaves it running), the
guard runs COMMAND (unoserver, which starts soffice) in its own process group, then waits for
the first of: the owner process ends (it finished, or was killed with -9), or COMMAND ends (the
listener died). Either way it kills every other process of its group (unoserver and soffice);
when the owner is gone it then removes FOLDER, the run's listener folder. An owner already gone
at the start gets the same: nothing is left running, no folder is left behind.

Run by its path, not as a package module: it imports nothing of harvester, so it starts fast.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path


def group_stats(group: int) -> dict[int, list[str]]:
    """The processes of a process group: pid -> the fields of /proc/PID/stat after the name."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[2]) == group:
            found[int(stat.parent.name)] = fields
    return found


def kill_group(group: int) -> None:
    """SIGKILL every process of the group but this one, until none is left alive (not a zombie)."""
    while members := [pid for pid, fields in group_stats(group).items()
                      if pid != os.getpid() and fields[0] != "Z"]:
        for pid in members:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.01)  # let the kernel finish them before looking again


def watch(owner: int, command: list[str]) -> bool:
    """Run command until it or the owner ends; True when the owner ended."""
    try:
        owner_fd = os.pidfd_open(owner)
    except ProcessLookupError:
        return True
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    child_fd = os.pidfd_open(child.pid)
    ready, _, _ = select.select([owner_fd, child_fd], [], [])
    return owner_fd in ready


def main(argv: list[str]) -> None:
    owner, folder, command = int(argv[1]), Path(argv[2]), argv[3:]
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    owner_gone = watch(owner, command)
    kill_group(os.getpgrp())
    if owner_gone:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv)
