"""Printed labels -> canonical keys, by keywords that survive typos, wrapping and spacing.

Labels arrive normalised (NFKC, no whitespace). Order matters: the first rule whose
keywords all appear wins, so specific rules come before generic ones.
"""

from __future__ import annotations

import re

# Table 3 rows. A group ("（三）不予公开") may share a row with its first item, so the
# item's own words are matched, never the group's.
TABLE3_ROW_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("apply.new", ("本年新收",)),
    ("apply.carried_over", ("上年结转",)),
    ("carry_forward", ("结转下年",)),
    ("result.partial", ("部分公开",)),
    ("result.granted", ("予以公开",)),
    ("result.denied.state_secret", ("国家秘密",)),
    ("result.denied.law_prohibited", ("其他法律行政",)),
    ("result.denied.law_prohibited", ("禁止公开",)),
    ("result.denied.three_security_one_stability", ("三安全一稳定",)),
    ("result.denied.third_party", ("第三方",)),
    ("result.denied.internal_affairs", ("内部事务",)),
    ("result.denied.process_info", ("过程性",)),
    ("result.denied.law_enforcement_file", ("执法案卷",)),
    ("result.denied.administrative_query", ("查询事项",)),
    ("result.unable.not_held", ("不掌握",)),
    ("result.unable.need_creation", ("另行制作",)),
    ("result.unable.unclear_after_correction", ("补正后",)),
    ("result.not_processed.petition_complaint", ("信访",)),
    ("result.not_processed.massive_repeated", ("大量反复",)),
    ("result.not_processed.repeated", ("重复申请",)),
    ("result.not_processed.publication", ("出版",)),  # "出版物" is cut at page breaks
    ("result.not_processed.confirm_reissue", ("重新出具",)),
    ("result.other.overdue_correction", ("逾期不补正",)),
    ("result.other.overdue_fee", ("缴纳费用",)),
    ("result.other.overdue_fee", ("收费通知",)),
    ("result.total", ("总计",)),
    ("result.other.single", ("其他处理",)),
)

TABLE3_HEADER_WORDS = ("自然人", "商业企业", "法人或其他组织", "申请人情况")

# "3.其他" is only meaningful inside the （六）其他处理 group.
OTHER_ITEM = ("3.其他", "3、其他", "3其他")

TABLE2_ITEM_RULES: tuple[tuple[str, str], ...] = (
    ("active.regulations", "规章"),
    ("active.normative", "规范性文件"),
    ("active.license", "行政许可"),
    ("active.other_services", "其他对外管理服务"),
    ("active.punishment", "行政处罚"),
    ("active.coercion", "行政强制"),
    ("active.fees", "收费"),
    ("active.procurement", "采购"),
)

TABLE2_COLUMN_RULES: tuple[tuple[str, str], ...] = (
    ("new_made", "新制作"),
    ("new_published", "新公开"),
    ("total_published", "公开总"),
    ("made", "制发"),
    ("repealed", "废止"),
    ("valid", "现行有效"),
    ("prev_count", "一年项目"),  # not "上一年": OCR misreads 上 as 土 on grainy scans
    ("change", "增/减"),
    ("change", "增减"),
    ("decisions", "处理决定"),
    ("amount", "金额"),
    ("count", "项目数量"),
)


def table3_row_key(label: str, group: str | None) -> str | None:
    """The table-3 row key for a label, given the current result group."""
    if group == "other" and label.endswith(OTHER_ITEM):
        return "result.other.other"
    for key, words in TABLE3_ROW_RULES:
        if all(word in label for word in words):
            return key
    return None


def is_table3_header(label: str) -> bool:
    """True for the applicant header rows (自然人 … 总计), which hold no counts."""
    return any(word in label for word in TABLE3_HEADER_WORDS)


TABLE3_GROUPS = (("denied", "三", "不予公开"), ("unable", "四", "无法提供"),
                 ("not_processed", "五", "不予处理"), ("other", "六", "其他处理"))
"""Table 3's result groups: key, the numeral both templates print them under, their name."""
GROUP_NUMERAL = re.compile(r"^[（(]([一二三四五六七])[）)]")


def table3_group(label: str) -> str | None:
    """The result group a row opens, if its label names one: by its name, or by its numeral
    when a narrow cell cut the name ("（六）其" | "他处理")."""
    numeral = GROUP_NUMERAL.match(label)
    for group, number, word in TABLE3_GROUPS:
        if word in label or (numeral and numeral.group(1) == number):
            return group
    return None


def table2_item(label: str) -> str | None:
    """The table-2 item (key prefix) a row label names."""
    for prefix, word in TABLE2_ITEM_RULES:
        if word in label:
            return prefix
    return None


def table2_column(header: str) -> str | None:
    """The table-2 column key a header cell names."""
    for column, word in TABLE2_COLUMN_RULES:
        if word in header:
            return column
    return None
