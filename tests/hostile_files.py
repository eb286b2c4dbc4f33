"""Hostile files built in the test: a PDF whose content stream inflates to gigabytes, a PDF page of a
million text operators."""

from __future__ import annotations

import zlib

MB = 1 << 20


def inflating_stream(megabytes: int) -> bytes:
    """A valid zlib stream of `megabytes` MB of spaces, ~1000x smaller, built without compressing it
    all: past the first megabyte every megabyte compresses to the same bytes, which are repeated."""
    chunk = b" " * MB
    packer = zlib.compressobj(9)
    first, second, third = (packer.compress(chunk) + packer.flush(zlib.Z_SYNC_FLUSH) for _ in range(3))
    assert second == third
    adler = 1
    for _ in range(megabytes):
        adler = zlib.adler32(chunk, adler)
    # a final empty fixed-Huffman block, then the Adler-32 of everything
    return first + second * (megabytes - 1) + b"\x03\x00" + adler.to_bytes(4, "big")


def one_page_pdf(content: bytes) -> bytes:
    """A one-page PDF (with a correct xref table, Helvetica as /F1) whose page content stream is
    `content`, already deflated."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
               b" /Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_bomb(megabytes: int = 1024) -> bytes:
    """A ~1 MB PDF whose one page's content inflates to `megabytes` MB."""
    return one_page_pdf(inflating_stream(megabytes))


def text_operator_flood(operators: int = 1_000_000) -> bytes:
    """A one-page PDF showing one character per text operator, `operators` times (~3 MB)."""
    show = b"".join(b"%d %d Td (%c) Tj " % (n % 50, n % 70, 65 + n % 26) for n in range(2000))
    content = b"BT /F1 1 Tf " + show * (operators // 2000) + b"ET"
    return one_page_pdf(zlib.compress(content, 6))
