"""Sniffing by content, charset detection and the HTML/DOCX readers on small made-up inputs."""

from __future__ import annotations

import codecs
import io
import zipfile

import docx
import pytest

from harvester.parse.carriers import docx as docx_carrier
from harvester.parse.carriers import html as html_carrier
from harvester.parse.carriers.textnorm import join_lines
from harvester.charset import detect
from harvester.parse.errors import UnreadableFile
from harvester.parse.sniff import sniff

REPORT_LINE = "沈阳市科学技术局2019年政府信息公开工作年度报告，本年新收申请0件。"


def docx_bytes(text: str = REPORT_LINE) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def other_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("report.txt", REPORT_LINE)
    return buffer.getvalue()


@pytest.mark.parametrize("data, carrier", [
    (b"%PDF-1.7\n", "pdf"),
    (b"\r\n%PDF-1.4\n", "pdf"),  # junk before the header, as some portals serve
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "doc"),
    (b"\x89PNG\r\n\x1a\n" + bytes(40), "image"),
    (b"\xff\xd8\xff\xe0" + bytes(40), "image"),
    (f"<html><head><meta charset=gbk></head><body>{REPORT_LINE}</body>".encode("gbk"), "html"),
    (f"<TABLE><TR><TD>{REPORT_LINE}</TD></TR></TABLE>".encode("utf-8"), "html"),
    (REPORT_LINE.encode("gbk"), "text"),
    (codecs.BOM_UTF8 + REPORT_LINE.encode("utf-8"), "text"),
    (b"", "empty"),
    (b"\n \t\n", "empty"),
    (bytes(range(256)) * 4, "binary"),
])
def test_sniff(data: bytes, carrier: str) -> None:
    assert sniff(data) == carrier


def test_sniff_tells_docx_from_other_zips() -> None:
    assert sniff(docx_bytes()) == "docx"
    assert sniff(other_zip()) == "zip"


@pytest.mark.parametrize("data, encoding", [
    # declared gb2312, actually UTF-8: the declaration loses
    (f'<meta charset="gb2312"><p>{REPORT_LINE}</p>'.encode("utf-8"), "utf-8"),
    (f'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">{REPORT_LINE}'
     .encode("gbk"), "gb18030"),
    (REPORT_LINE.encode("gbk"), "gb18030"),
    (codecs.BOM_UTF16_LE + REPORT_LINE.encode("utf-16-le"), "utf-16-le"),
    (f'<meta charset="big5"><p>政府資訊公開</p>'.encode("big5"), "big5"),
])
def test_detect_encoding(data: bytes, encoding: str) -> None:
    text, found = detect(data)
    assert found == encoding
    assert "公開" in text or REPORT_LINE in text


def test_detect_survives_a_page_cut_mid_character() -> None:
    data = (REPORT_LINE * 50).encode("gbk")[:-1]
    text, encoding = detect(data)
    assert encoding == "gb18030" and text.startswith(REPORT_LINE)


@pytest.mark.parametrize("raw, joined", [
    ("商业企\n业", "商业企业"), ("本年新\r\n制作数量", "本年新制作数量"), (" 0 ", "0"),
    ("0.0436 亿元", "0.0436 亿元"), ("\xa0", ""), ("annual\nreport", "annual report"),
    ("received.\nAll", "received. All"), ("2024\n年", "2024年"),
    ("三、本年\n度办\n理结\n果", "三、本年度办理结果"),
])
def test_join_lines(raw: str, joined: str) -> None:
    assert join_lines(raw) == joined


def test_html_layout_tables_hidden_text_and_spans() -> None:
    page = """<html><head><title>年报</title><style>p{}</style></head><body>
    <table><tr><td><div>首页 &gt; 政务公开</div>
      <table><tr><td rowspan="abc">本年新<br>制作数量</td><td colspan="99999">1</td></tr></table>
      <p style="display: none">隐藏</p><p>一、总体情况</p></td></tr></table></body></html>"""
    extract = html_carrier.extract(page.encode("utf-8"))
    assert extract.title == "年报"
    assert [type(b).__name__ for b in extract.blocks] == ["Paragraph", "Table", "Paragraph"]
    (label, value), = extract.tables()[0].rows
    assert (label.text, label.rowspan) == ("本年新制作数量", 1)
    assert (value.text, value.col, value.colspan) == ("1", 1, html_carrier.MAX_SPAN)
    assert "隐藏" not in " ".join(p.text for p in extract.paragraphs())


def test_html_without_markup_content_is_unreadable() -> None:
    with pytest.raises(UnreadableFile):
        html_carrier.extract(b"<!-- nothing -->")


def test_docx_body_order_and_title() -> None:
    document = docx.Document()
    document.add_paragraph("一、总体情况")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "第二十条第（一）项"
    table.cell(1, 0).text, table.cell(1, 1).text = "规章", "3"
    document.add_paragraph("二、主动公开政府信息情况")
    document.core_properties.title = "年度报告"
    buffer = io.BytesIO()
    document.save(buffer)
    extract = docx_carrier.extract(buffer.getvalue())
    assert extract.title == "年度报告"
    assert [getattr(b, "text", "table") for b in extract.blocks] == [
        "一、总体情况", "table", "二、主动公开政府信息情况"]
    rows = [[(c.text, c.col, c.colspan) for c in row] for row in extract.tables()[0].rows]
    assert rows == [[("第二十条第（一）项", 0, 2)], [("规章", 0, 1), ("3", 1, 1)]]


def test_docx_carrier_refuses_a_zip_without_document() -> None:
    with pytest.raises(UnreadableFile, match="not a DOCX"):
        docx_carrier.extract(other_zip())


def test_every_carrier_sniff_names_has_a_reader() -> None:
    import harvester.parse as parse

    named = {sniff(data) for data in (b"%PDF-1.7\n", b"", b"\x00\x01\x02\x03" * 100, "<html><body>报告</body></html>".encode(),
                                      "政府信息公开工作年度报告".encode(), b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)}
    assert len(named) == 6
    assert named <= set(parse.CARRIERS) | set(parse.UNREADABLE) | {"image"}
