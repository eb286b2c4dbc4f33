"""Who published a report when its title does not say: the page's 发布机构 field, the signature.

Portal article pages print a metadata block above the report (a table or a line of
`label：value` fields: 标题, 发布机构, 发文日期, 索引号 ...), and reports end with a
signature (落款): the agency on one line, the date on the next. Both name the agency; the
labels themselves are never part of a name.
"""

from __future__ import annotations

import re

from harvester.parse.interpret.values import normalise
from harvester.parse.model import Extract

# How an agency's name ends (局, 委员会, 人民政府, 办公室, 街道办事处 ...): a value that does
# not end so (本网, a date, a person) is not taken as an agency.
AGENCY_NAME = re.compile(
    r"^[\u4e00-\u9fff()]{2,40}(?:政府|办公室|办公厅|委员会|管委会|局|委|厅|办|署|院|中心|会|所|站|队"
    r"|处|部|馆|街道|镇|乡|集团|公司|银行|法院|检察院|监狱|大学|学校)$")
# Publisher labels, most trusted first (来源 is sometimes a newspaper or 本网).
PUBLISHER_LABELS = ("发布机构", "发文机关", "发布单位", "公开主体", "信息来源", "来源")
TITLE_LABELS = ("标题", "文件名称", "信息名称", "名称")
# Every label a portal's metadata block prints; a value runs up to the next one.
FIELD_LABELS = PUBLISHER_LABELS + TITLE_LABELS + (
    "索引号", "发布日期", "发文日期", "成文日期",
    "生成日期", "发布时间", "时间", "主题分类", "分类", "文号", "发文字号", "有效性", "浏览次数",
    "访问量", "作者", "编辑", "字号")
_LABELS = "|".join(sorted(FIELD_LABELS, key=len, reverse=True))
LABEL_PREFIX = re.compile(rf"^(?:{_LABELS})[:：]")
FIELD = re.compile(rf"({_LABELS})[:：](.*?)(?=(?:{_LABELS})[:：]|$)")
# The signature: a name after a sentence's end (or alone on its line), then the date that
# ends its line (page chrome may follow); dates in digits or in Chinese numerals (二〇二五年一月).
_NUMERAL = "〇零一二三四五六七八九十"
SIGNATURE_DATE = (rf"(?:(?:19|20)\d{{2}}|[{_NUMERAL}]{{4}})年(?:\d{{1,2}}|[{_NUMERAL}]{{1,3}})月"
                  rf"(?:(?:\d{{1,2}}|[{_NUMERAL}]{{1,3}})日)?")
SIGNATURE = re.compile(
    rf"(?:^|[。；;!！])([\u4e00-\u9fff()]{{3,40}}?)\n?{SIGNATURE_DATE}$", re.M)
# A page number printed at the end of a line ("- 6 -", 第6页) or alone on one.
PAGE_NUMBER = re.compile(r"(?:-\d+-|第\d+页(?:共\d+页)?|^\d+)$")
HEADER_PARAGRAPHS = 40  # where a page's metadata block may be (the portal's chrome comes first)
SIGNATURE_LINES = 12  # the signature is among the last lines of the prose


def strip_label(text: str) -> str:
    """A normalised line without a metadata label in front of it (标题：… -> …)."""
    return LABEL_PREFIX.sub("", text, count=1)


def agency_name(text: str | None) -> str | None:
    """`text` when it reads as an agency's name, else None."""
    return text if text and AGENCY_NAME.match(text) else None


def publisher(extract: Extract) -> str | None:
    """The agency named by the page's metadata block (发布机构, 发文机关, 来源 ...)."""
    found: dict[str, str] = {}
    for label, value in metadata_fields(extract):
        if label in PUBLISHER_LABELS and agency_name(value):
            found.setdefault(label, value)
    return next((found[label] for label in PUBLISHER_LABELS if label in found), None)


def metadata_titles(extract: Extract) -> list[str]:
    """The values of the metadata block's title fields (标题, 文件名称 ...)."""
    return [value for label, value in metadata_fields(extract) if label in TITLE_LABELS]


def metadata_fields(extract: Extract) -> list[tuple[str, str]]:
    """(label, value) of every metadata field in the header: table cells and field lines."""
    fields: list[tuple[str, str]] = []
    for table in extract.tables():
        for row in table.rows:
            texts = [normalise(cell.text) for cell in row]
            for i, text in enumerate(texts):
                # A label cell ("发布机构：") takes the next cell as its value.
                if LABEL_PREFIX.fullmatch(text) and i + 1 < len(texts):
                    text += texts[i + 1]
                fields += [(m.group(1), m.group(2)) for m in FIELD.finditer(text)
                           if m.start() == 0]
    for paragraph in extract.paragraphs()[:HEADER_PARAGRAPHS]:
        fields += [(m.group(1), m.group(2)) for m in FIELD.finditer(normalise(paragraph.text))]
    return fields


def signature(extract: Extract) -> str | None:
    """The agency of the signature (落款) that ends the report's prose, if it has one."""
    lines = [PAGE_NUMBER.sub("", normalise(line))
             for p in extract.paragraphs() for line in p.text.splitlines()]
    lines = [line for line in lines if line]
    signatures = SIGNATURE.findall("\n".join(lines[-SIGNATURE_LINES:]))
    return agency_name(signatures[-1]) if signatures else None
