"""A long-lived LibreOffice listener shared by the processes of a run, restarted when it dies or hangs.

Starting LibreOffice costs 1-6 s a file; a running one converts a report in a fraction of that.
The listener is `unoserver` (XML-RPC in front of one soffice with a profile of its own), from the
virtualenv `./run setup` makes at $VENV/uno: unoserver needs Debian's python3-uno, which only
/usr/bin/python3 can import. It runs in a session of its own, so the forked parse children that
use it (harvester.db.isolation kills each child's process group) leave it running.

Processes find it through a folder holding its address (listener.json) and a lock that serialises
starts: $HARVESTER_CONVERTER_DIR, set by `shared_listener()` before a run forks its workers, which
stops the listener at the end; a process without one makes its own and stops it at exit. A call
that cannot reach the listener, or finds it dead, starts a new one and tries once more; a call
that overruns kills it (the next call starts another) and fails: a document that hangs LibreOffice
would hang it again.

$HARVESTER_UNOSERVER names the unoserver executable; "off" converts with one soffice per file.
"""

from __future__ import annotations

import atexit
import fcntl
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from harvester.parse import libreoffice
from harvester.parse.libreoffice import ConversionError
from harvester.parse.limits import CONVERT_TIMEOUT_S

UNOSERVER_ENV = "HARVESTER_UNOSERVER"
FOLDER_ENV = "HARVESTER_CONVERTER_DIR"
# unoserver sleeps 7 s before it listens, then connects to soffice; a loaded machine doubles that.
START_TIMEOUT_S = 120


@dataclass(frozen=True)
class Listener:
    """One running unoserver: its process (the leader of its session), port and soffice pid file."""

    pid: int
    port: int
    soffice_pid_file: str

    def alive(self) -> bool:
        """Both unoserver and its soffice still run (not dead, not a zombie)."""
        pid_file = Path(self.soffice_pid_file)
        return (_running(self.pid) and pid_file.exists()
                and _running(int(pid_file.read_text() or 0)))

    def stop(self) -> None:
        """Kill unoserver and the soffice it started (one process group)."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class _Unreachable(Exception):
    """The listener refused, dropped or broke the call: it died or is not there."""


def unoserver() -> str | None:
    """The unoserver executable, or None when there is none (or $HARVESTER_UNOSERVER is "off")."""
    named = os.environ.get(UNOSERVER_ENV)
    if named:
        return None if named == "off" else named
    beside = Path(sys.prefix) / "uno" / "bin" / "unoserver"
    return str(beside) if beside.exists() else shutil.which("unoserver")


def convert(data: bytes, source_suffix: str, extension: str, filter_name: str) -> bytes:
    """`data` (a file ending in source_suffix) converted to `extension` ("docx") by the listener;
    without unoserver, by one soffice run with `filter_name`."""
    executable = unoserver()
    if executable is None:
        return libreoffice.convert(data, source_suffix, f"{extension}:{filter_name}")
    folder = _folder()
    for _ in range(2):
        listener = _listener(folder, executable)
        try:
            return _call(listener, data, extension)
        except _Unreachable as error:
            _replace(folder, listener)
            failure = error
    raise ConversionError(f"LibreOffice listener failed twice: {failure}")


@contextmanager
def shared_listener() -> Iterator[Path]:
    """One listener folder for this process and the children it forks; the listener stops at the end."""
    previous = os.environ.get(FOLDER_ENV)
    folder = Path(tempfile.mkdtemp(prefix="harvester_listener_"))
    os.environ[FOLDER_ENV] = str(folder)
    try:
        yield folder
    finally:
        _stop(folder)
        if previous is None:
            os.environ.pop(FOLDER_ENV, None)
        else:
            os.environ[FOLDER_ENV] = previous


def recorded(folder: Path) -> Listener | None:
    """The listener the folder names (alive or not), or None."""
    try:
        return Listener(**json.loads((folder / "listener.json").read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _folder() -> Path:
    """The run's listener folder; a process outside any run makes its own, stopped at its exit."""
    named = os.environ.get(FOLDER_ENV)
    if named:
        return Path(named)
    folder = Path(tempfile.mkdtemp(prefix="harvester_listener_"))
    os.environ[FOLDER_ENV] = str(folder)
    atexit.register(_stop, folder)
    return folder


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    with open(folder / "lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _listener(folder: Path, executable: str) -> Listener:
    """The folder's live listener, started first when there is none."""
    with _locked(folder):
        listener = recorded(folder)
        if listener is not None and listener.alive():
            return listener
        if listener is not None:
            listener.stop()  # half dead: unoserver without soffice, or the reverse
        return _start(folder, executable)


def _replace(folder: Path, failed: Listener) -> None:
    """Kill the listener that failed a call, unless another process already replaced it."""
    with _locked(folder):
        if recorded(folder) == failed:
            failed.stop()


def _stop(folder: Path) -> None:
    listener = recorded(folder)
    if listener is not None:
        listener.stop()
    shutil.rmtree(folder, ignore_errors=True)


def _start(folder: Path, executable: str) -> Listener:
    """Start unoserver with a fresh profile and free ports; return once it answers."""
    generation = len(list(folder.glob("profile-*")))
    port, uno_port = _free_port(), _free_port()
    listener = Listener(0, port, str(folder / f"soffice-{generation}.pid"))
    command = [executable, "--interface", "127.0.0.1", "--port", str(port),
               "--uno-port", str(uno_port), "--user-installation", str(folder / f"profile-{generation}"),
               "--libreoffice-pid-file", listener.soffice_pid_file]
    if soffice := libreoffice.soffice():
        command += ["--executable", soffice]
    with open(folder / "listener.log", "ab") as log:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                   start_new_session=True)
    listener = Listener(process.pid, port, listener.soffice_pid_file)
    (folder / "listener.json").write_text(json.dumps(asdict(listener)))
    _wait_ready(listener, process, folder)
    with open(folder / "starts", "a") as starts:  # one line per start: how often it was (re)started
        starts.write(f"{listener.pid}\n")
    return listener


def _wait_ready(listener: Listener, process: subprocess.Popen, folder: Path) -> None:
    """Wait until the listener offers `convert`; fail at once if it exits, or after START_TIMEOUT_S."""
    deadline = time.monotonic() + START_TIMEOUT_S
    proxy = _proxy(listener, timeout=5)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if "convert" in proxy.system.listMethods() and listener.alive():
                return
        except (OSError, http.client.HTTPException, xmlrpc.client.Error):
            pass
        time.sleep(0.2)
    listener.stop()
    tail = (folder / "listener.log").read_bytes()[-300:].decode("utf-8", "replace")
    raise ConversionError(f"LibreOffice listener did not start (exit {process.poll()}): {tail}")


def _call(listener: Listener, data: bytes, extension: str) -> bytes:
    """One conversion; _Unreachable when the listener is gone, ConversionError for the document."""
    proxy = _proxy(listener, timeout=CONVERT_TIMEOUT_S)
    try:
        # (inpath, indata, outpath, convert_to, filtername, filter_options, update_index): no
        # filter name, as naming one makes unoserver list every export filter on each call.
        result = proxy.convert(None, xmlrpc.client.Binary(data), None, extension, None, [], False)
    except TimeoutError:
        listener.stop()
        raise ConversionError(f"LibreOffice timed out after {CONVERT_TIMEOUT_S} s") from None
    except (OSError, http.client.HTTPException, xmlrpc.client.ProtocolError) as error:
        raise _Unreachable(f"{type(error).__name__}: {error}") from None
    except xmlrpc.client.Fault as fault:
        if not listener.alive():  # LibreOffice died under this document (or was killed)
            raise _Unreachable(f"LibreOffice died: {fault.faultString[-200:]}") from None
        raise ConversionError(f"LibreOffice cannot convert it: {fault.faultString[-200:]}") from None
    if not isinstance(result, xmlrpc.client.Binary) or not result.data:
        raise ConversionError("LibreOffice wrote nothing")
    return result.data


def _proxy(listener: Listener, timeout: float) -> xmlrpc.client.ServerProxy:
    transport = _TimeoutTransport()
    transport.timeout = timeout
    return xmlrpc.client.ServerProxy(f"http://127.0.0.1:{listener.port}", transport=transport,
                                     allow_none=True)


class _TimeoutTransport(xmlrpc.client.Transport):
    """XML-RPC over HTTP with a socket timeout (the standard transport has none)."""

    timeout: float = CONVERT_TIMEOUT_S

    def make_connection(self, host: str) -> http.client.HTTPConnection:
        connection = super().make_connection(host)
        connection.timeout = self.timeout
        return connection


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _running(pid: int) -> bool:
    """The process exists and is not a zombie (a dead child not yet reaped still answers kill 0)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return pid > 0 and stat.rsplit(")", 1)[1].split()[0] != "Z"
