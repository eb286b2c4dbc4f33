"""A corpus of hostile files made at test time, each with what its recorded error must say: bombs,
lies, truncations, bad charsets, traversal names, malformed PDF/DOCX/HTML/images, built from the
real seed files with the tools that write such files (pikepdf, zipfile, Pillow, python-docx's XML).

`hostile_files()` -> [(url, bytes, expectation)]; the URL's name says what it is. The expectation is
a substring of the error the load must record, or WHOLE (a lie the parser sees through: the seed's
report, read exactly) or PART (a cut the parser reads up to the cut: only values the seed prints,
and the record says the page was cut short).
Bounded sizes (an 8 MB table, a million text operators) are tests/parse/test_hostile_sizes.py's.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pikepdf
from fixtures.build_bad import circular_pdf, declared_page, patched_member
from hostile_files import pdf_bomb
from PIL import Image

from publish.helpers import SEEDS, seed_files

BAD = Path(__file__).resolve().parents[1] / "fixtures" / "bad"
HOST = "http://127.0.0.1/hostile"
# Traversal and odd names: the archive stores by hash, so a name is only ever data.
WHOLE, PART = "read whole", "read in part"
NAMES = ["../../../../etc/passwd", "..%2F..%2F..%2Fetc%2Fshadow", "%00.pdf", "con.aux.nul", "a" * 300]


def seed_bytes(suffix: str, seed: str = SEEDS[0]) -> bytes:
    return next(p for p in seed_files(seed) if p.suffix == suffix).read_bytes()


def pikepdf_edit(edit: Callable[[pikepdf.Pdf], None], source: bytes | None = None, **save) -> bytes:
    """The seed PDF (or `source`) opened with pikepdf, changed by `edit`, saved again."""
    with pikepdf.open(io.BytesIO(source or seed_bytes(".pdf"))) as pdf:
        edit(pdf)
        out = io.BytesIO()
        pdf.save(out, **save)
    return out.getvalue()


def _page_count_lie(pdf: pikepdf.Pdf) -> None:
    pdf.Root.Pages.Count = 10_000_000


def _garbage_contents(pdf: pikepdf.Pdf) -> None:
    for page in pdf.pages:
        page.Contents = pdf.make_stream(b"BT /F9 12 Tf (\xff\xfe) Tj ET q q q q 1 0 0 1 0 0 cm Do " * 2000)


def _kids_loop(pdf: pikepdf.Pdf) -> None:
    pdf.Root.Pages.Kids.append(pdf.Root.Pages)


def _no_pages(pdf: pikepdf.Pdf) -> None:
    del pdf.Root.Pages


def pdfs() -> Iterator[tuple[str, bytes, str]]:
    good = seed_bytes(".pdf")
    for share in (0.05, 0.3, 0.6):
        yield f"cut-{int(share * 100)}.pdf", good[:int(len(good) * share)], "corrupt PDF"
    yield "bomb.pdf", pdf_bomb(), "parse worker"
    yield "circular.pdf", circular_pdf(), "Failed to load page"
    yield "count-lie.pdf", pikepdf_edit(_page_count_lie), WHOLE
    yield "garbage-ops.pdf", pikepdf_edit(_garbage_contents), "not an annual report"
    yield "kids-loop.pdf", pikepdf_edit(_kids_loop), WHOLE
    yield "no-pages.pdf", pikepdf_edit(_no_pages), "damaged PDF"
    yield "encrypted.pdf", pikepdf_edit(lambda pdf: None, encryption=pikepdf.Encryption(
        owner="o", user="secret", R=6)), "encrypted PDF"
    xref = good.rindex(b"startxref")
    yield "xref-lie.pdf", good[:xref] + b"startxref\n999999999\n%%EOF\n", WHOLE
    length = good.index(b"/Length ")
    yield "length-lie.pdf", good[:length] + b"/Length 99999999 " + good[length + 8:], WHOLE
    yield "header-only.pdf", b"%PDF-1.7\n", "corrupt PDF"


def docx_with(members: dict[str, bytes], base: bytes | None = None, drop: tuple[str, ...] = ()) -> bytes:
    """The seed DOCX (or `base`) with members replaced or added and others dropped, rezipped."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base or seed_bytes(".docx"))) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename not in members and item.filename not in drop:
                target.writestr(item, source.read(item))
        for name, data in members.items():
            target.writestr(name, data)
    return out.getvalue()


LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "lollollollollollollollollollol">'
          + b"".join(b'<!ENTITY %c "%s">' % (98 + n, b"&%c;" % (97 + n) * 10) for n in range(8))
          + b']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
          b"<w:body><w:p><w:r><w:t>&i;</w:t></w:r></w:p></w:body></w:document>")


EXTERNAL = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a SYSTEM "file:///etc/passwd">]>'
            b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            b"<w:body><w:p><w:r><w:t>&a;</w:t></w:r></w:p></w:body></w:document>")
TRAVERSAL_MEMBER = "traversal-member.docx"  # its member ../../../../tmp/harvester-evil.xml is never written


def docxs() -> Iterator[tuple[str, bytes, str]]:
    good = seed_bytes(".docx")
    yield "cut.docx", good[: len(good) // 2], "corrupt DOCX"
    yield "bomb.docx", (BAD / "bomb.docx").read_bytes(), "zip bomb"
    yield "encrypted.docx", patched_member(good, "word/document.xml", flags=1), "is encrypted"
    yield "aes.docx", patched_member(good, "word/document.xml", method=99), "compression method is not supported"
    yield "no-document.docx", docx_with({}, drop=("word/document.xml",)), "without word/document.xml"
    yield "not-xml.docx", docx_with({"word/document.xml": b"\x00\xff<w:document"}), "corrupt DOCX"
    yield "laughs.docx", docx_with({"word/document.xml": LAUGHS}), "entity amplification"
    yield "external-entity.docx", docx_with({"word/document.xml": EXTERNAL}), "not an annual report"
    yield TRAVERSAL_MEMBER, docx_with({"../../../../tmp/harvester-evil.xml": b"<x/>"}), WHOLE


def htmls() -> Iterator[tuple[str, bytes, str]]:
    good = seed_bytes(".html")
    row = "<tr>" + "<td rowspan=100 colspan=100>1</td>" * 20 + "</tr>"
    yield "spans.html", f"<html><body><table>{row * 50}</table></body></html>".encode(), "not an annual report"
    yield "nested.html", b"<html><body>" + b"<div>" * 100_000 + b"</body></html>", "not an annual report"
    for charset in ("undefined", "idna", "punycode"):  # the news page, declaring what cannot decode it
        yield f"charset-{charset}.html", declared_page(charset), "not an annual report"
    yield "charset-lie.html", good.decode("utf-8").encode("gb18030").replace(b"utf-8", b"utf-16"), WHOLE
    yield "nul.html", good.replace(b"<td", b"\x00<td"), WHOLE  # a browser shows it, NULs skipped
    yield "cut.html", good[: len(good) // 3], PART
    yield "laughs.html", LAUGHS.replace(b"w:document", b"html"), "not an annual report"


def png(width: int, height: int, body: bytes) -> bytes:
    """A PNG header declaring width x height, then `body` as its image data."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", body) + chunk(b"IEND", b""))


def images() -> Iterator[tuple[str, bytes, str]]:
    yield "pixel-bomb.png", png(100_000, 100_000, zlib.compress(b"\x00" * 100_000)), "image too large"
    picture = io.BytesIO()
    Image.new("L", (400, 300), 255).save(picture, "JPEG")
    yield "cut.jpg", picture.getvalue()[:200], "not a readable image"


def others() -> Iterator[tuple[str, bytes, str]]:
    yield "empty.pdf", b"", "empty file"
    yield "junk.bin", bytes(range(256)) * 64, "not a document"
    yield "not-word.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096), "not a Word document"
    yield "digits.txt", b"1234567890 " * 30_000, "not an annual report"


def hostile_files() -> list[tuple[str, bytes, str]]:
    """Every hostile file as (url, bytes, expectation); some names are traversal tricks."""
    made = [*pdfs(), *docxs(), *htmls(), *images(), *others()]
    return [(f"{HOST}/{NAMES[n] + '/' if n < len(NAMES) else ''}{name}", data, error)
            for n, (name, data, error) in enumerate(made)]
