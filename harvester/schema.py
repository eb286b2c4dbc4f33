"""The canonical facts of an annual report (../shared/spec/report-schema.md), with their codebook.

Every other part of harvester (parser, database, exports, Datasette metadata) takes its
keys and descriptions from here, so a key exists in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Key:
    """One canonical fact: its key, the table it belongs to, a description and a unit."""

    key: str
    table: str  # "table2", "table3", "table4"
    label: str  # the cell as the report prints it
    description: str
    unit: str = "count"
    layout: str = "both"  # "2019", "2021" or "both"


TABLE3_COLUMNS: dict[str, str] = {
    "natural_person": "自然人",
    "commercial": "法人或其他组织：商业企业",
    "research": "法人或其他组织：科研机构",
    "public_interest": "法人或其他组织：社会公益组织",
    "legal_service": "法人或其他组织：法律服务机构",
    "other": "法人或其他组织：其他",
    "total": "总计",
}

TABLE3_ROWS: dict[str, str] = {
    "apply.new": "一、本年新收政府信息公开申请数量",
    "apply.carried_over": "二、上年结转政府信息公开申请数量",
    "result.granted": "三、本年度办理结果（一）予以公开",
    "result.partial": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "result.denied.state_secret": "（三）不予公开 1.属于国家秘密",
    "result.denied.law_prohibited": "（三）不予公开 2.其他法律行政法规禁止公开",
    "result.denied.three_security_one_stability": "（三）不予公开 3.危及“三安全一稳定”",
    "result.denied.third_party": "（三）不予公开 4.保护第三方合法权益",
    "result.denied.internal_affairs": "（三）不予公开 5.属于三类内部事务信息",
    "result.denied.process_info": "（三）不予公开 6.属于四类过程性信息",
    "result.denied.law_enforcement_file": "（三）不予公开 7.属于行政执法案卷",
    "result.denied.administrative_query": "（三）不予公开 8.属于行政查询事项",
    "result.unable.not_held": "（四）无法提供 1.本机关不掌握相关政府信息",
    "result.unable.need_creation": "（四）无法提供 2.没有现成信息需要另行制作",
    "result.unable.unclear_after_correction": "（四）无法提供 3.补正后申请内容仍不明确",
    "result.not_processed.petition_complaint": "（五）不予处理 1.信访举报投诉类申请",
    "result.not_processed.repeated": "（五）不予处理 2.重复申请",
    "result.not_processed.publication": "（五）不予处理 3.要求提供公开出版物",
    "result.not_processed.massive_repeated": "（五）不予处理 4.无正当理由大量反复申请",
    "result.not_processed.confirm_reissue": "（五）不予处理 5.要求行政机关确认或重新出具已获取信息",
    "result.other.single": "（六）其他处理 (2019 layout, one row)",
    "result.other.overdue_correction": "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "result.other.overdue_fee": "（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "result.other.other": "（六）其他处理 3.其他",
    "result.total": "（七）总计",
    "carry_forward": "四、结转下年度继续办理",
}

TABLE3_ROWS_2019_ONLY = ("result.other.single",)
TABLE3_ROWS_2021_ONLY = (
    "result.other.overdue_correction",
    "result.other.overdue_fee",
    "result.other.other",
)
RESULT_ROWS = tuple(r for r in TABLE3_ROWS if r.startswith("result.") and r != "result.total")

TABLE4_GROUPS: dict[str, str] = {
    "review": "行政复议",
    "litigation.direct": "行政诉讼：未经复议直接起诉",
    "litigation.after_review": "行政诉讼：复议后起诉",
}
TABLE4_OUTCOMES: dict[str, str] = {
    "maintained": "结果维持",
    "corrected": "结果纠正",
    "other": "其他结果",
    "pending": "尚未审结",
    "total": "总计",
}

# Table 2 rows: key prefix -> printed row label.
TABLE2_ITEMS: dict[str, str] = {
    "active.regulations": "规章",
    "active.normative": "行政规范性文件 / 规范性文件",
    "active.license": "行政许可",
    "active.other_services": "其他对外管理服务事项",
    "active.punishment": "行政处罚",
    "active.coercion": "行政强制",
    "active.fees": "行政事业性收费",
    "active.procurement": "政府集中采购",
}

# Table 2 columns: column key -> printed header. Keys whose header or unit depends on the
# row are listed in TABLE2_CELL_HEADERS.
TABLE2_COLUMNS: dict[str, str] = {
    "made": "本年制发件数",
    "repealed": "本年废止件数",
    "valid": "现行有效件数",
    "new_made": "本年新制作数量",
    "new_published": "本年新公开数量",
    "total_published": "对外公开总数量",
    "prev_count": "上一年项目数量",
    "change": "本年增/减",
    "decisions": "处理决定数量",
    "count": "采购项目数量",
}
TABLE2_CELL_HEADERS: dict[str, tuple[str, str]] = {  # key -> (printed header, unit)
    "active.fees.amount": ("本年收费金额（单位：万元）", "万元"),
    # The 2019 template prints no unit here; the archive's one unit for it (harvester.db.money).
    "active.procurement.amount": ("采购总金额", "万元"),
    "active.license.decisions": ("本年处理决定数量 (2021) / 处理决定数量 (2019)", "count"),
    "active.punishment.decisions": ("本年处理决定数量 (2021) / 处理决定数量 (2019)", "count"),
    "active.coercion.decisions": ("本年处理决定数量 (2021) / 处理决定数量 (2019)", "count"),
}

TABLE2_KEYS_2021 = (
    "active.regulations.made", "active.regulations.repealed", "active.regulations.valid",
    "active.normative.made", "active.normative.repealed", "active.normative.valid",
    "active.license.decisions", "active.punishment.decisions", "active.coercion.decisions",
    "active.fees.amount",
)
TABLE2_KEYS_2019 = (
    "active.regulations.new_made", "active.regulations.new_published",
    "active.regulations.total_published",
    "active.normative.new_made", "active.normative.new_published",
    "active.normative.total_published",
    "active.license.prev_count", "active.license.change", "active.license.decisions",
    "active.other_services.prev_count", "active.other_services.change",
    "active.other_services.decisions",
    "active.punishment.prev_count", "active.punishment.change", "active.punishment.decisions",
    "active.coercion.prev_count", "active.coercion.change", "active.coercion.decisions",
    "active.fees.prev_count", "active.fees.change",
    "active.procurement.count", "active.procurement.amount",
)


def _table2_key(key: str) -> Key:
    prefix, column = key.rsplit(".", 1)
    label = TABLE2_ITEMS[prefix]
    header, unit = TABLE2_CELL_HEADERS.get(key, (TABLE2_COLUMNS.get(column), "count"))
    in_2019, in_2021 = key in TABLE2_KEYS_2019, key in TABLE2_KEYS_2021
    layout = "both" if in_2019 and in_2021 else "2019" if in_2019 else "2021"
    return Key(key, "table2", f"{label} {header}",
               f"Table 2 (主动公开): {label}, column {header}", unit, layout)


def _build() -> dict[str, Key]:
    keys: dict[str, Key] = {}
    for k in dict.fromkeys(TABLE2_KEYS_2019 + TABLE2_KEYS_2021):
        keys[k] = _table2_key(k)
    for row, row_label in TABLE3_ROWS.items():
        layout = ("2019" if row in TABLE3_ROWS_2019_ONLY
                  else "2021" if row in TABLE3_ROWS_2021_ONLY else "both")
        for col, col_label in TABLE3_COLUMNS.items():
            keys[f"{row}.{col}"] = Key(
                f"{row}.{col}", "table3", f"{row_label} | {col_label}",
                f"Table 3 (依申请公开): row {row_label}, applicant column {col_label}",
                "requests", layout)
    for group, group_label in TABLE4_GROUPS.items():
        for outcome, outcome_label in TABLE4_OUTCOMES.items():
            keys[f"{group}.{outcome}"] = Key(
                f"{group}.{outcome}", "table4", f"{group_label} {outcome_label}",
                f"Table 4 (复议与诉讼): {group_label}, {outcome_label}", "cases")
    return keys


KEYS: dict[str, Key] = _build()
"""Every canonical key, in the order of the printed report."""

TEMPLATES = ("2019", "2021", "mixed", "free-form", "unknown")
SECTIONS: dict[str, str] = {
    "1": "总体情况",
    "2": "主动公开政府信息情况",
    "3": "收到和处理政府信息公开申请情况",
    "4": "政府信息公开行政复议、行政诉讼情况",
    "5": "存在的主要问题及改进情况",
    "6": "其他需要报告的事项",
}
