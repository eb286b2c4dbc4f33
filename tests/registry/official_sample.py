"""Sample files in the format of the official 全国政府网站基本信息数据库 export (one CSV per region,
GB18030 as Excel writes it, or UTF-8 with a BOM; zipped or not), written from rows given."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

HEADER = ["序号", "网站名称", "网站标识码", "首页网址", "主办单位", "网站类别", "所属地区"]


def csv_bytes(rows: list[tuple[str, str, str, str, str]], encoding: str = "gb18030") -> bytes:
    """A CSV of (网站标识码, 网站名称, 首页网址, 主办单位, 网站类别) rows, numbered as the export numbers them."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for n, (code, name, url, host, kind) in enumerate(rows, 1):
        writer.writerow([n, name, code, url, host, kind, ""])
    return out.getvalue().encode(encoding)


def write_csv(path: Path, rows: list[tuple[str, str, str, str, str]], encoding: str = "gb18030") -> Path:
    path.write_bytes(csv_bytes(rows, encoding))
    return path


def write_zip(path: Path, members: dict[str, list[tuple[str, str, str, str, str]]]) -> Path:
    """A zip holding one UTF-8 (BOM) CSV per member name."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, rows in members.items():
            archive.writestr(name, csv_bytes(rows, "utf-8-sig"))
    return path
