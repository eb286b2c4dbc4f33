"""A PDF cut short (an interrupted download, a full disk at the agency) rebuilt from what it has.

pdfium needs the cross-reference table and trailer that a PDF keeps at its end, so a file
cut anywhere loses every page. The objects before the cut are usually whole: this finds
them by their `N G obj … endobj` frames, and appends a new page tree over the pages found
(in object order, the order producers write them), a catalogue and a cross-reference
table. Pages whose objects were cut stay lost; the carrier says how many were read.
"""

from __future__ import annotations

import re

OBJECT = re.compile(rb"(?<![0-9])(\d{1,7})[ \r\n]+(\d{1,5})[ \r\n]+obj\b")
END = b"endobj"
PAGE = re.compile(rb"/Type\s*/Page(?![s\w])")
MEDIABOX = re.compile(rb"/MediaBox\s*\[[^\]]*\]")
A4 = b"/MediaBox [0 0 595 842]"


def _whole_objects(data: bytes) -> dict[int, tuple[int, int, bytes]]:
    """Object number -> (offset, generation, body) for every object whose frame is complete."""
    found: dict[int, tuple[int, int, bytes]] = {}
    matches = list(OBJECT.finditer(data))
    for match, following in zip(matches, [*matches[1:], None]):
        stop = following.start() if following else len(data)
        end = data.find(END, match.end(), stop)
        if end >= 0:
            found[int(match[1])] = (match.start(), int(match[2]), data[match.end():end])
    return found


def rebuild(data: bytes) -> tuple[bytes, int] | None:
    """The PDF with a new page tree, catalogue and cross-reference table, and how many pages it
    found; None when no whole page object is left."""
    objects = _whole_objects(data)
    pages = [n for n, (_, _, body) in sorted(objects.items()) if PAGE.search(body)]
    if not pages:
        return None
    boxes = [m[0] for _, _, body in objects.values() if (m := MEDIABOX.search(body))]
    tree, catalogue = max(objects) + 1, max(objects) + 2
    kids = b" ".join(b"%d 0 R" % n for n in pages)
    out = bytearray(data if data.endswith(b"\n") else data + b"\n")
    offsets = {n: (offset, generation) for n, (offset, generation, _) in objects.items()}
    offsets[tree] = (len(out), 0)
    out += b"%d 0 obj\n<< /Type /Pages /Kids [%s] /Count %d %s >>\nendobj\n" % (
        tree, kids, len(pages), boxes[0] if boxes else A4)
    offsets[catalogue] = (len(out), 0)
    out += b"%d 0 obj\n<< /Type /Catalog /Pages %d 0 R >>\nendobj\n" % (catalogue, tree)
    table = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (catalogue + 1)
    for number in range(1, catalogue + 1):
        offset, generation = offsets.get(number, (0, 65535))
        out += b"%010d %05d %s \n" % (offset, generation, b"n" if number in offsets else b"f")
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        catalogue + 1, catalogue, table)
    return bytes(out), len(pages)
