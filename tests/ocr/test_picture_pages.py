"""A report page made of pictures (图片版) gives the golden facts, each traced to its picture."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin

import pytest
from PIL import Image

from harvester.parse.errors import UnreadableFile
from harvester.crawl.pictures import content_images, wanted_images
from harvester.parse.image_pages import parse_image_page
from harvester.parse.ocr.render import ImageSet
from harvester.portal.catalogue import LOGO
from harvester.portal.reports import report_source
from ocr_corpus import golden, seeds

PAGE_URL = "http://kjj.example.gov.cn/zwgk/zfxxgknb/202001/t20200120_1.html"


def picture_page(seed: str) -> tuple[bytes, list[tuple[str, bytes]]]:
    """An article showing the logo and then every page of the seed as a JPEG, and those pictures."""
    pictures = report_source(seed).pictures()
    names = [f"W020200120000000000001_{n}.jpg" for n in range(1, len(pictures) + 1)]
    tags = "".join(f'<p><img src="./{name}" alt=""></p>' for name in names)
    markup = (f'<html><head><meta charset="utf-8"><title>年度报告</title></head><body>'
              f'<div class="header"><img src="{LOGO}"></div><h1>政府信息公开工作年度报告（图片版）</h1>'
              f'<div class="TRS_Editor">{tags}<img src="/images/share_wx.png" width="24"></div>'
              f'<footer><img src="/images/gh.jpg"></footer></body></html>')
    return markup.encode(), [(urljoin(PAGE_URL, name), picture) for name, picture in zip(names, pictures)]


def test_the_pictures_of_a_page_are_found_in_order_without_chrome() -> None:
    page, pictures = picture_page(seeds()[0])
    assert content_images(page, PAGE_URL) == [url for url, _ in pictures]
    assert wanted_images(page, PAGE_URL) == [url for url, _ in pictures]

@pytest.mark.parametrize("carrier", ["html", "gbk.html"])
def test_a_page_printing_its_tables_as_text_wants_none_of_its_pictures(carrier: str) -> None:
    text_report = report_source(seeds()[0]).file_bytes(carrier)
    with_picture = text_report.replace(b"</body>", b'<p><img src="./photo.jpg" width="800"></p></body>')
    assert content_images(with_picture, PAGE_URL) == [urljoin(PAGE_URL, "photo.jpg")]
    assert wanted_images(with_picture, PAGE_URL) == []  # its text carries the tables


@pytest.mark.parametrize("seed", seeds()[:2])
def test_a_picture_page_gives_the_golden_facts(seed: str) -> None:
    page, pictures = picture_page(seed)
    corrupt = ("http://kjj.example.gov.cn/broken.jpg", pictures[0][1][:2000])
    tiny = io.BytesIO()
    Image.new("L", (300, 120), 255).save(tiny, "PNG")
    mixed = [pictures[0], corrupt, ("http://kjj.example.gov.cn/stamp.png", tiny.getvalue()), *pictures[1:]]

    result = parse_image_page(page, mixed, PAGE_URL)

    expected = golden(seed)
    facts = expected["facts"]
    right = sum(1 for key, value in facts.items() if result.facts.get(key, "<missing>") == value)
    print(f"{seed} as pictures: per-cell accuracy {right}/{len(facts)} = {right / len(facts):.1%}")
    assert result.facts == facts
    assert (result.kind, result.carrier, result.method, result.year, result.agency) == (
        "report", "html", "ocr", expected["year"], expected["agency"])
    assert [note["image"] for note in result.page_notes] == [url for url, _ in pictures]
    assert any("broken.jpg" in error for error in result.errors)
    assert any("stamp.png" in error and "too small" in error for error in result.errors)
    image_of_page = {note["page"]: note["image"] for note in result.page_notes}
    assert image_of_page[1] == pictures[0][0] and image_of_page[3] == pictures[1][0]  # page 2: broken
    for key, where in result.where.items():
        assert where["image"] == image_of_page[where["page"]] and where["bbox"], key
        assert where.get("confidence") or not result.raw[key], key  # blank cells have nothing read


def test_thumbnails_count_as_the_full_size_picture_they_link_to() -> None:
    page = ('<html><body><div><a href="big1.jpg"><img src="small1.jpg"></a>'
            '<a href="/files/p2.TIF">第2页</a><a href="report.pdf">附件</a>'
            '<img data-original="lazy3.png" src="/images/loading.gif"></div>'
            '<div style="display:none"><img src="hidden.jpg"></div></body></html>').encode()
    assert content_images(page, PAGE_URL) == [urljoin(PAGE_URL, name) for name in
                                              ("big1.jpg", "/files/p2.TIF", "lazy3.png")]


def test_every_frame_of_every_picture_is_a_page_in_order() -> None:
    frames = [Image.new("L", (500, 700), shade) for shade in (200, 220)]
    tiff, png = io.BytesIO(), io.BytesIO()
    frames[0].save(tiff, "TIFF", save_all=True, append_images=frames[1:])
    frames[0].save(png, "PNG")
    pictures = ImageSet((tiff.getvalue(), png.getvalue(), b"not a picture"))
    assert pictures.pages() == [(0, 0), (0, 1), (1, 0), (2, 0)]
    assert pictures.load(1).gray.mean() == 220
    with pytest.raises(UnreadableFile):
        pictures.load(3)


def test_the_cli_reads_a_saved_picture_page(tmp_path: Path) -> None:
    seed = seeds()[1]
    page, pictures = picture_page(seed)
    (tmp_path / "page.html").write_bytes(page)
    options = []
    for number, (_, picture) in enumerate(pictures, 1):
        (tmp_path / f"p{number}.jpg").write_bytes(picture)
        options += ["--picture", str(tmp_path / f"p{number}.jpg")]
    command = [sys.executable, "-m", "harvester", "parse", "--json", str(tmp_path / "page.html")]
    run = subprocess.run(command + options, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert f"OCR pages: {len(pictures)}/{len(pictures)}" in run.stderr  # progress, on stderr
    result = json.loads(run.stdout)
    assert (result["facts"], result["method"]) == (golden(seed)["facts"], "ocr")
    assert [note["image"] for note in result["page_notes"]] == options[1::2]
    twice = subprocess.run(command + [str(tmp_path / "page.html")] + options, capture_output=True,
                           text=True, timeout=120)
    assert twice.returncode == 2 and "exactly one FILE" in twice.stderr
