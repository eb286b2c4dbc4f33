"""Old binary Word (.doc, and .wps, both OLE2): LibreOffice to DOCX, else antiword text.

The DOCX route keeps merged cells and spans; antiword is the fallback when LibreOffice
is missing or fails, and its '|cell|cell|' table lines become tab rows for the text
carrier (it loses merged regions, and complex tables may come out partly).
"""

from __future__ import annotations

import shutil
import subprocess

from harvester.parse.carriers import docx as docx_carrier
from harvester.parse.carriers import text as text_carrier
from harvester.parse.errors import UnreadableFile
from harvester.parse.libreoffice import ConversionError, convert
from harvester.parse.limits import CONVERT_TIMEOUT_S
from harvester.parse.model import Extract

DOCX_FILTER = "docx:MS Word 2007 XML"
# Every Word 97-2003 (and WPS Writer) file keeps its text in an OLE2 stream of this name;
# without it LibreOffice falls back to importing the raw bytes as text.
WORD_STREAM = "WordDocument".encode("utf-16-le")


def _pipes_to_tabs(text: str) -> str:
    """antiword's '|a |b |' table lines as tab-separated rows."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
            line = "\t".join(cell.strip() for cell in stripped[1:-1].split("|"))
        lines.append(line)
    return "\n".join(lines)


def antiword_text(data: bytes) -> str:
    """The document's text as antiword prints it (UTF-8, no line wrapping)."""
    executable = shutil.which("antiword")
    if executable is None:
        raise UnreadableFile("cannot read .doc: neither LibreOffice nor antiword works here")
    try:
        done = subprocess.run([executable, "-m", "UTF-8.txt", "-w", "0", "-"], input=data,
                              capture_output=True, timeout=CONVERT_TIMEOUT_S)
    except subprocess.TimeoutExpired as error:
        raise UnreadableFile("antiword timed out") from error
    if done.returncode != 0 or not done.stdout.strip():
        detail = done.stderr.decode("utf-8", "replace").strip()[-200:]
        raise UnreadableFile(f"antiword cannot read this .doc: {detail}")
    return done.stdout.decode("utf-8", "replace")


def extract(data: bytes) -> Extract:
    """Read a .doc through LibreOffice (method "markup"), or antiword as a fallback ("text")."""
    if WORD_STREAM not in data:  # the directory sits anywhere, often at the end
        raise UnreadableFile(
            "OLE2 file without a WordDocument stream: truncated or not a Word document")
    try:
        result = docx_carrier.extract(convert(data, ".doc", DOCX_FILTER))
        result.carrier = "doc"
        return result
    except (ConversionError, UnreadableFile) as error:
        problem = f"LibreOffice conversion failed, read with antiword: {error}"
    try:
        text = antiword_text(data)
    except UnreadableFile as error:
        raise UnreadableFile(f"{problem}; {error.message}") from error
    result = text_carrier.extract(_pipes_to_tabs(text).encode("utf-8"))
    result.carrier = "doc"
    result.errors.insert(0, problem)
    return result
