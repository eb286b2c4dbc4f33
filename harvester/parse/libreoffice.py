"""Run LibreOffice headless to convert one document, isolated and bounded.

Each call gets its own temporary profile directory: two soffice processes sharing a
profile block each other or exit silently. The process runs in its own session so
a timeout can kill it together with its oosplash/soffice.bin children.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from harvester.parse.limits import CONVERT_TIMEOUT_S


class ConversionError(Exception):
    """LibreOffice is missing, failed, timed out or wrote nothing."""


def soffice() -> str | None:
    """Path of the soffice executable, or None when LibreOffice is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(data: bytes, source_suffix: str, target: str,
            timeout: float = CONVERT_TIMEOUT_S) -> bytes:
    """`data` (a file ending in source_suffix) converted to `target` ("pdf", "doc:MS Word 97")."""
    executable = soffice()
    if executable is None:
        raise ConversionError("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="harvester_lo_") as tmp:
        work = Path(tmp)
        source = work / f"input{source_suffix}"
        source.write_bytes(data)
        out_dir = work / "out"
        command = [executable, f"-env:UserInstallation={(work / 'profile').as_uri()}",
                   "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
                   "--convert-to", target, "--outdir", str(out_dir), str(source)]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   start_new_session=True)
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise ConversionError(f"LibreOffice timed out after {timeout:.0f} s") from None
        outputs = list(out_dir.glob("input.*")) if out_dir.exists() else []
        if process.returncode != 0 or not outputs:
            detail = stderr.decode("utf-8", "replace").strip()[-300:]
            raise ConversionError(f"LibreOffice failed (exit {process.returncode}): {detail}")
        return outputs[0].read_bytes()
