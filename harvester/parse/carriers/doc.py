"""Old binary Word (.doc, and .wps, both OLE2): LibreOffice to DOCX, else antiword text.

The DOCX route keeps merged cells and spans; LibreOffice runs as a long-lived listener
(harvester.parse.converter). antiword is the fallback when LibreOffice is missing or fails:
its '|cell|cell|' table lines become tab rows for the text carrier. It prints merged cells
unmerged (a merge down as blanks, which its text cannot show: the file's own row definitions
do, harvester.parse.carriers.doc_tables) and some complex tables as one run of '|'-separated
words; the result's errors say how many rows were lost so.
"""

from __future__ import annotations

import shutil
import subprocess
from itertools import groupby

from harvester.parse.carriers import docx as docx_carrier
from harvester.parse.carriers import text as text_carrier
from harvester.parse.carriers.doc_tables import merged_rows
from harvester.parse.errors import UnreadableFile
from harvester.parse.converter import convert
from harvester.parse.libreoffice import ConversionError
from harvester.parse.limits import CONVERT_TIMEOUT_S
from harvester.parse.model import Extract

DOCX_FILTER = "MS Word 2007 XML"
# Every Word 97-2003 (and WPS Writer) file keeps its text in an OLE2 stream of this name;
# without it LibreOffice falls back to importing the raw bytes as text.
WORD_STREAM = "WordDocument".encode("utf-16-le")


def _table_row(line: str) -> list[str] | None:
    """The cells of one of antiword's '|a |b |' table lines, or None for any other line."""
    stripped = line.strip()
    if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
        return [cell.strip() for cell in stripped[1:-1].split("|")]
    return None


def _pipes_to_tabs(text: str) -> str:
    """antiword's table lines as tab-separated rows."""
    rows = ((line, _table_row(line)) for line in text.splitlines())
    return "\n".join(line if cells is None else "\t".join(cells) for line, cells in rows)


def lost_cells(text: str, data: bytes) -> str | None:
    """What antiword lost of the tables of `data`, printed as `text`: rows whose definitions in the
    file merge cells (it prints them unmerged), rows it printed with fewer cells than their table,
    and tables printed out of their grid (a line of three or more '|' that is no table row)."""
    rows = [(line, _table_row(line)) for line in text.splitlines()]
    narrower = 0
    for is_table, run in groupby(rows, key=lambda row: row[1] is not None):
        if is_table:
            widths = [len(cells or ()) for _, cells in run]
            narrower += sum(width < max(widths) for width in widths)
    scattered = sum(cells is None and line.count("|") >= 3 for line, cells in rows)
    merged = merged_rows(data)
    if not (merged or narrower or scattered):
        return None
    return (f"antiword lost table structure: {merged} table row definitions with merged cells printed "
            f"unmerged, {narrower} table rows printed with fewer cells than their table, "
            f"{scattered} lines of table cells out of their grid")


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
        result = docx_carrier.extract(convert(data, ".doc", "docx", DOCX_FILTER))
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
    loss = lost_cells(text, data)
    result.errors[:0] = [problem, loss] if loss else [problem]
    return result
