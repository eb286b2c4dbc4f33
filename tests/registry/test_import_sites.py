"""`harvester registry import-sites` reads the official export, places every site in its division by
its 网站标识码, and a later import shows the portals added, moved and vanished; `registry list`,
`diff` and `validate` read the same registry.db."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from harvester.cli import main
from official_sample import write_csv, write_zip

SICHUAN = [
    ("5109030018", "遂宁市船山区人民政府", "www.scchuanshan.gov.cn", "遂宁市船山区人民政府办公室", "政府门户网站"),
    ("5109000001", "遂宁市人民政府", "https://www.suining.gov.cn/", "遂宁市人民政府办公室", "政府门户网站"),
    ("5109000012", "遂宁市教育局", "http://jyj.suining.gov.cn/", "遂宁市教育局", "部门网站"),
]
JIANGSU = [("3213220001", "沭阳县人民政府", "http://www.shuyang.gov.cn/", "沭阳县人民政府办公室", "政府门户网站")]
BAD = [
    ("510903001", "九位标识码", "http://a.gov.cn/", "", ""),          # not 10 digits
    ("9999990001", "不存在的区划", "http://b.gov.cn/", "", ""),        # no such division
    ("5109000099", "坏网址", "not a url", "", ""),                      # no home page
]


def registry(archive: Path, *args: str):
    result = CliRunner().invoke(main, ["registry", *args, "--archive", str(archive)])
    return result


@pytest.fixture
def first_import(tmp_path: Path) -> tuple[Path, object]:
    archive = tmp_path / "archive"
    sichuan = write_csv(tmp_path / "四川省.csv", SICHUAN + BAD)
    jiangsu = write_zip(tmp_path / "江苏省.zip", {"江苏省.csv": JIANGSU})
    return archive, registry(archive, "import-sites", str(sichuan), str(jiangsu))


def test_import_reads_the_official_format_and_places_sites_by_their_code(first_import) -> None:
    archive, result = first_import
    assert result.exit_code == 0, result.output + result.stderr
    assert "import 1: 4 sites, 3 rows rejected; 4 added, 0 moved, 0 vanished" in result.output
    assert "not 10 digits" in result.stderr and "999999 is not a division code" in result.stderr
    assert "'not a url' is not a URL" in result.stderr
    listed = registry(archive, "list", "--division", "510900")
    lines = [line.split() for line in listed.stdout.splitlines()]
    assert [(line[0], line[1]) for line in lines] == [("5109000001", "510900"), ("5109000012", "510900"),
                                                      ("5109030018", "510903")]
    assert "http://www.scchuanshan.gov.cn/" in listed.output  # a bare host is a home page URL


def test_a_new_import_shows_added_moved_and_vanished_portals(first_import, tmp_path: Path) -> None:
    archive, _ = first_import
    again = [SICHUAN[0], ("5109000001", "遂宁市人民政府", "https://www.suining.gov.cn/new/", "", "政府门户网站"),
             ("5109210001", "蓬溪县人民政府", "http://www.pengxi.gov.cn/", "", "政府门户网站")]
    result = registry(archive, "import-sites", str(write_csv(tmp_path / "四川省-2.csv", again, "utf-8-sig")))
    assert result.exit_code == 0, result.output
    assert "1 added, 1 moved, 1 vanished" in result.output  # 江苏 was not in this file: untouched
    diff = registry(archive, "diff").stdout.splitlines()
    assert diff[0] == "import 2: 1 added, 1 moved, 1 vanished"
    assert {tuple(line.split()[:2]) for line in diff[1:]} == {
        ("added", "5109210001"), ("moved", "5109000001"), ("vanished", "5109000012")}
    assert "https://www.suining.gov.cn/ -> https://www.suining.gov.cn/new/" in "\n".join(diff)
    assert "5109000012" not in registry(archive, "list").output
    assert "(vanished)" in registry(archive, "list", "--all").output
    assert "3213220001" in registry(archive, "list", "--division", "320000").output


def test_validate_names_portals_in_abolished_divisions_and_shared_home_pages(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    rows = [("5001120001", "重庆市渝北区人民政府", "http://www.ybq.gov.cn/", "", "政府门户网站"),
            *JIANGSU, ("3213220002", "沭阳县人民政府（旧）", "http://www.shuyang.gov.cn/", "", "政府门户网站")]
    registry(archive, "import-sites", str(write_csv(tmp_path / "sites.csv", rows)))
    result = registry(archive, "validate")
    assert result.exit_code == 1
    assert "portal 5001120001: division 500112 渝北区 was abolished in 2025 (successor 500157)" in result.output
    assert "home page http://www.shuyang.gov.cn/ listed by 3213220001, 3213220002" in result.output


def test_validate_passes_the_bundled_registry_and_an_empty_import(tmp_path: Path) -> None:
    result = registry(tmp_path / "archive", "validate")
    assert result.exit_code == 0, result.output
    assert "problems" in result.stderr and "0 problems" in result.stderr


def test_a_file_without_the_official_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("名称,网址\n某局,http://a.gov.cn/\n", encoding="utf-8")
    result = registry(tmp_path / "archive", "import-sites", str(path))
    assert result.exit_code == 1 and "no column 网站标识码" in result.stderr
