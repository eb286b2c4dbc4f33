"""Reading the official 全国政府网站基本信息数据库 export (CSV files, or zips of them).

The State Council office's database lists every government website with its 10-digit
网站标识码 (site code), whose first six digits are the owning government's division code
(5109030018 -> 510903). The download is one CSV per region, as UTF-8 (often with a BOM) or
GB18030, the Excel encodings of Chinese exports. The columns read (header names as published;
a few spellings of each are accepted, COLUMNS):

    网站标识码   the 10-digit site code (required)
    网站名称     the site's name (required)
    首页网址     the home page URL (required; a bare host gets http://)
    主办单位     the body that runs the site (its agency)
    网站类别     政府门户网站 (a government's portal) or 部门网站 (a department's)

A row that breaks these rules is rejected with its reason; the others are read.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from harvester.divisions import gazetteer

COLUMNS = {
    "code": ("网站标识码", "标识码"),
    "name": ("网站名称",),
    "url": ("首页网址", "网站首页网址", "网站地址", "首页地址", "网址"),
    "host": ("主办单位", "主办单位名称", "网站主办单位"),
    "kind": ("网站类别", "网站类型"),
}
REQUIRED = ("code", "name", "url")
ENCODINGS = ("utf-8-sig", "gb18030")
_SITE_CODE = re.compile(r"\d{10}")


class OfficialFileError(ValueError):
    """A file that is not an export of the database (unreadable, or without the required columns)."""


@dataclass(frozen=True)
class SiteRecord:
    """One government website of the official database."""

    code: str
    name: str
    url: str
    host: str = ""
    kind: str = ""

    @property
    def division(self) -> str:
        """The owning government's division code: the site code's first six digits."""
        return self.code[:6]


@dataclass(frozen=True)
class Rejected:
    """A row that could not be read, and why."""

    source: str
    line: int
    reason: str


def read_files(paths: list[Path]) -> tuple[list[SiteRecord], list[Rejected]]:
    """Every site record of the CSV files and zips of CSV files named, and the rejected rows."""
    records: list[SiteRecord] = []
    rejected: list[Rejected] = []
    for name, data in _csv_files(paths):
        for line, row in _rows(name, data):
            record = _record(row)
            if isinstance(record, SiteRecord):
                records.append(record)
            else:
                rejected.append(Rejected(name, line, record))
    return records, rejected


def _csv_files(paths: list[Path]) -> Iterator[tuple[str, bytes]]:
    for path in paths:
        try:
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as archive:
                    for member in sorted(archive.namelist()):
                        if member.lower().endswith(".csv"):
                            yield f"{path}!{member}", archive.read(member)
            else:
                yield str(path), path.read_bytes()
        except (OSError, zipfile.BadZipFile) as error:
            raise OfficialFileError(f"cannot read {path}: {error}") from error


def _rows(name: str, data: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {field: value}) of each data row, fields named as in COLUMNS."""
    text = _decode(name, data)
    reader = csv.reader(io.StringIO(text))
    header = [cell.strip() for cell in next(reader, [])]
    fields = {field: next((header.index(h) for h in spellings if h in header), None)
              for field, spellings in COLUMNS.items()}
    missing = [COLUMNS[field][0] for field in REQUIRED if fields[field] is None]
    if missing:
        raise OfficialFileError(f"{name}: no column {', '.join(missing)} (header: {', '.join(header)})")
    for line, cells in enumerate(reader, 2):
        if any(cell.strip() for cell in cells):
            yield line, {field: cells[i].strip() if i is not None and i < len(cells) else ""
                         for field, i in fields.items()}


def _decode(name: str, data: bytes) -> str:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise OfficialFileError(f"{name}: neither UTF-8 nor GB18030 text")


def _record(row: dict[str, str]) -> SiteRecord | str:
    """The row's SiteRecord, or why it is rejected."""
    code = row["code"]
    if not _SITE_CODE.fullmatch(code):
        return f"site code {code!r} is not 10 digits"
    if gazetteer().get(code[:6]) is None:
        return f"site code {code}: {code[:6]} is not a division code"
    if not row["name"]:
        return f"site {code} has no name"
    url = row["url"] if "://" in row["url"] else f"http://{row['url']}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        return f"site {code}: home page {row['url']!r} is not a URL"
    return SiteRecord(code, row["name"], url if parts.path else url + "/", row["host"], row["kind"])
