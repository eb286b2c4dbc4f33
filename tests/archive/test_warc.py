"""WARC writer: records read back with warcio, sha256 digests, offsets, rotation, crash recovery."""

from __future__ import annotations

import hashlib
import random
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders

from harvester.archive.warc import WarcWriter, warc_digest

HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("ETag", '"v1"')]


def write(writer: WarcWriter, url: str, body: bytes, **kwargs):
    """Write one GET exchange with a 200 response."""
    return writer.write(url=url, method="GET", request_headers=[("User-Agent", "harvester-test")],
                        status=200, reason="OK", response_headers=HEADERS, body=body, **kwargs)


def records(path: Path) -> list:
    """(type, uri, payload, payload digest) of every record, digests checked by warcio."""
    with open(path, "rb") as stream:
        return [
            (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read(),
             r.rec_headers.get_header("WARC-Payload-Digest"))
            for r in ArchiveIterator(stream, check_digests="raise")
        ]


def test_exchanges_read_back_with_sha256_digests(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, "kjj_shenyang", "20260101T000000Z-ab12")
    body = "二〇二三年政府信息公开工作年度报告".encode()
    first = write(writer, "http://kjj.test/t1.html", body)
    second = write(writer, "http://kjj.test/t2.pdf?id=3", b"%PDF-1.4 fake")
    writer.close()
    assert first.file == second.file == "kjj_shenyang-20260101T000000Z-ab12-1.warc.gz"
    found = records(tmp_path / first.file)
    assert [(kind, uri) for kind, uri, _, _ in found] == [
        ("warcinfo", None), ("response", "http://kjj.test/t1.html"), ("request", "http://kjj.test/t1.html"),
        ("response", "http://kjj.test/t2.pdf?id=3"), ("request", "http://kjj.test/t2.pdf?id=3")]
    assert found[1][2] == body
    assert found[1][3] == warc_digest(hashlib.sha256(body).hexdigest())
    # the offset in the fetch log leads straight to the response record
    with open(tmp_path / first.file, "rb") as stream:
        stream.seek(second.offset)
        record = next(iter(ArchiveIterator(stream)))
        assert record.rec_type == "response" and record.content_stream().read() == b"%PDF-1.4 fake"
        assert record.http_headers.get_header("ETag") == '"v1"'


def test_revisit_record_for_unchanged_content(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, "demo", "r2")
    sha = hashlib.sha256(b"same").hexdigest()
    location = write(writer, "http://x.test/a.html", b"same",
                     revisit_of=(sha, "http://x.test/a.html", "2026-01-01T00:00:00.000Z"))
    writer.close()
    kind, uri, payload, digest = records(tmp_path / location.file)[1]
    assert (kind, payload, digest) == ("revisit", b"", warc_digest(sha))


def test_each_record_is_one_gzip_member_that_tools_read_with_its_headers(tmp_path: Path) -> None:
    """Headers with bytes beyond ASCII (a UTF-8 file name sent raw, kept as latin-1 text) are
    percent-encoded as RFC 8187 says; the request names its response; every record stands alone."""
    raw_name = "年度报告.pdf".encode().decode("latin-1")
    writer = WarcWriter(tmp_path, "demo", "r5")
    location = writer.write(
        url="http://x.test/a?b=1", method="GET", request_headers=[("User-Agent", "harvester-test")],
        status=200, reason="OK", body=b"%PDF-1.7 body",
        response_headers=[("Content-Disposition", f'attachment; filename="{raw_name}"')])
    writer.close()
    data = (tmp_path / location.file).read_bytes()
    with open(tmp_path / location.file, "rb") as stream:
        found = list(ArchiveIterator(stream, check_digests="raise"))
        kinds = [(record.rec_type, record.rec_headers.get_header("WARC-Record-ID")) for record in found]
    response, request = found[1], found[2]
    assert response.http_headers.get_header("Content-Disposition") == (
        "attachment; filename*=UTF-8''" + quote(raw_name))
    assert request.rec_headers.get_header("WARC-Concurrent-To") == kinds[1][1]
    assert request.http_headers.protocol == "GET" and request.http_headers.statusline.startswith("/a?b=1")
    assert len({record_id for _, record_id in kinds}) == 3
    # the response record's offset starts a gzip member holding exactly that record
    member = zlib.decompressobj(zlib.MAX_WBITS + 16)
    alone = member.decompress(data[location.offset:])
    assert alone.startswith(b"WARC/1.1\r\nWARC-Type: response\r\n") and alone.endswith(b"%PDF-1.7 body\r\n\r\n")
    assert member.unused_data.startswith(b"\x1f\x8b")  # the request record is a member of its own


def test_http_heads_are_the_bytes_warcio_writes(tmp_path: Path) -> None:
    """The response head in a record is byte for byte what warcio's own writer makes of the same status
    and headers (repeated names, an empty value, a value beyond ASCII)."""
    raw = "报告.pdf".encode().decode("latin-1")
    for run, headers in enumerate(([], [*HEADERS, ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X-Empty", "")],
                                   [("Content-Disposition", f'attachment; filename="{raw}"'), ("Server", "nginx")])):
        writer = WarcWriter(tmp_path, "demo", f"heads-{run}")
        location = writer.write(url="http://x.test/", method="GET", request_headers=[], status=404,
                                reason="Not Found", response_headers=headers, body=b"gone")
        writer.close()
        with open(tmp_path / location.file, "rb") as stream:
            response = next(r for r in ArchiveIterator(stream, no_record_parse=True) if r.rec_type == "response")
            block = response.raw_stream.read()
        expected = StatusAndHeaders("HTTP/1.1 404 Not Found", list(headers)).to_ascii_bytes()
        assert block == expected + b"gone"


def test_rotation_and_never_reusing_a_file(tmp_path: Path) -> None:
    (tmp_path / "demo-r3-1.warc.gz").write_bytes(b"left by a crashed process")
    writer = WarcWriter(tmp_path, "demo", "r3", max_bytes=2000)
    locations = [write(writer, f"http://x.test/{i}", random.Random(i).randbytes(3000)) for i in range(4)]
    writer.close()
    names = [location.file for location in locations]
    assert names[0] == "demo-r3-2.warc.gz"
    assert len(set(names)) == 4  # each record pushed its file past 2000 bytes
    assert (tmp_path / "demo-r3-1.warc.gz").read_bytes() == b"left by a crashed process"
    for name in set(names):
        assert [kind for kind, *_ in records(tmp_path / name)] == ["warcinfo", "response", "request"]


def test_truncated_last_record_then_resume(tmp_path: Path) -> None:
    """A kill -9 mid-record: complete records still read, the restarted writer uses a new file."""
    writer = WarcWriter(tmp_path, "demo", "r4")
    kept = write(writer, "http://x.test/kept", b"kept" * 100)
    cut = write(writer, "http://x.test/cut", random.Random(0).randbytes(5000))
    writer.close()
    path = tmp_path / kept.file
    path.write_bytes(path.read_bytes()[: cut.offset + 2000])
    read = {}
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "response":
                uri = record.rec_headers.get_header("WARC-Target-URI")
                read[uri] = (len(record.raw_stream.read()), record.payload_length)
    assert read["http://x.test/kept"][0] == read["http://x.test/kept"][1]
    short, declared = read["http://x.test/cut"]
    assert short < declared  # the cut shows: fewer bytes than the record announces
    resumed = WarcWriter(tmp_path, "demo", "r4")
    assert write(resumed, "http://x.test/after", b"after").file == "demo-r4-2.warc.gz"


@pytest.mark.parametrize("site", ["../../etc", "/abs/path", "沈阳 科技局", "Evil Site!", ""])
def test_hostile_site_names_stay_in_the_folder(tmp_path: Path, site: str) -> None:
    writer = WarcWriter(tmp_path / "warc", site, "../run")
    location = write(writer, "http://x.test/", b"x")
    writer.close()
    assert Path(location.file).name == location.file
    assert (tmp_path / "warc" / location.file).is_file()
    assert all(ch.isalnum() and ch.isascii() or ch in "-_." for ch in location.file)
