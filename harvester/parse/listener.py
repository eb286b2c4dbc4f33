"""One LibreOffice listener: unoserver (XML-RPC in front of one soffice with a profile of its own).

unoserver comes from the virtualenv `./run setup` makes at $VENV/uno: it needs Debian's
python3-uno, which only /usr/bin/python3 can import. It runs under listener_guard.py, in a
session of its own (the forked parse children that start it are killed by process group; it
must outlive them) that ends with the run owning it. harvester.parse.converter keeps a pool of
these, one per slot folder.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time
import xmlrpc.client
from dataclasses import asdict, dataclass
from pathlib import Path

from harvester.parse import libreoffice
from harvester.parse.libreoffice import ConversionError
from harvester.parse.limits import CONVERT_TIMEOUT_S
from harvester.parse.listener_guard import kill_group

GUARD = Path(__file__).with_name("listener_guard.py")
HIDDEN_UNOSERVER = Path(__file__).with_name("hidden_unoserver.py")
# unoserver sleeps 7 s before it listens, then connects to soffice; a loaded machine doubles that.
START_TIMEOUT_S = 120


@dataclass(frozen=True)
class Listener:
    """One running listener: its guard (the leader of its session), port and soffice pid file."""

    pid: int
    port: int
    soffice_pid_file: str

    def alive(self) -> bool:
        """The guard and its soffice still run (the guard ends the group when unoserver dies)."""
        pid_file = Path(self.soffice_pid_file)
        return (running(self.pid) and pid_file.exists()
                and running(int(pid_file.read_text() or 0)))

    def stop(self) -> None:
        """Kill the guard, unoserver and the soffice it started (one process group); return once
        they are gone, so that their files may be removed."""
        kill_group(self.pid)


class Unreachable(Exception):
    """The listener refused, dropped or broke the call: it died or is not there."""


class DiedStarting(ConversionError):
    """The listener exited before it answered (seen under load: soffice died as unoserver started it,
    "Binary URP bridge disposed during call", and unoserver gave up); a new start may well succeed."""


def recorded(slot: Path) -> Listener | None:
    """The listener a slot folder names (alive or not), or None."""
    try:
        return Listener(**json.loads((slot / "listener.json").read_text()))
    except (OSError, ValueError, TypeError):
        return None


def start(slot: Path, executable: str, owner: int, run_folder: Path) -> Listener:
    """Start unoserver with a fresh profile and free ports, guarded to die with `owner` (whose
    death also removes run_folder); return once it answers."""
    generation = len(list(slot.glob("profile-*")))
    port, uno_port = _free_port(), _free_port()
    pid_file = str(slot / f"soffice-{generation}.pid")
    # -P: a script's folder (harvester/parse) must not shadow the modules it imports.
    command = [sys.executable, "-P", str(GUARD), str(owner), str(run_folder),
               unoserver_python(executable), "-P", str(HIDDEN_UNOSERVER), "--interface", "127.0.0.1", "--port", str(port), "--uno-port", str(uno_port),
               "--user-installation", str(slot / f"profile-{generation}"), "--libreoffice-pid-file", pid_file]
    if soffice := libreoffice.soffice():
        command += ["--executable", soffice]
    with open(slot / "listener.log", "ab") as log:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                   start_new_session=True)
    listener = Listener(process.pid, port, pid_file)
    (slot / "listener.json").write_text(json.dumps(asdict(listener)))
    _wait_ready(listener, process, slot)
    return listener


def unoserver_python(unoserver: str) -> str:
    """The Python that runs the unoserver script (its #! line: a console script names it)."""
    with open(unoserver, "rb") as script:
        first = script.readline().decode("utf-8", "replace")
    if not first.startswith("#!"):
        raise ConversionError(f"{unoserver} is not a unoserver script (no #! line)")
    return first[2:].strip().split()[0]


def _wait_ready(listener: Listener, process: subprocess.Popen, slot: Path) -> None:
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
    failure = DiedStarting if process.poll() is not None else ConversionError  # exited, or still silent
    listener.stop()
    process.wait()
    tail = (slot / "listener.log").read_bytes()[-300:].decode("utf-8", "replace")
    raise failure(f"LibreOffice listener did not start (exit {process.poll()}): {tail}")


def call(listener: Listener, data: bytes, extension: str) -> bytes:
    """One conversion; Unreachable when the listener is gone, ConversionError for the document
    (an overrun kills the listener: a document that hangs LibreOffice would hang it again)."""
    proxy = _proxy(listener, timeout=CONVERT_TIMEOUT_S)
    try:
        # (inpath, indata, outpath, convert_to, filtername, filter_options, update_index): no
        # filter name, as naming one makes unoserver list every export filter on each call.
        result = proxy.convert(None, xmlrpc.client.Binary(data), None, extension, None, [], False)
    except TimeoutError:
        listener.stop()
        raise ConversionError(f"LibreOffice timed out after {CONVERT_TIMEOUT_S} s") from None
    except (OSError, http.client.HTTPException, xmlrpc.client.ProtocolError) as error:
        raise Unreachable(f"{type(error).__name__}: {error}") from None
    except xmlrpc.client.Fault as fault:
        if not listener.alive():  # LibreOffice died under this document (or was killed)
            raise Unreachable(f"LibreOffice died: {fault.faultString[-200:]}") from None
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


def running(pid: int) -> bool:
    """The process exists and is not a zombie (a dead child not yet reaped still answers kill 0)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return pid > 0 and stat.rsplit(")", 1)[1].split()[0] != "Z"
