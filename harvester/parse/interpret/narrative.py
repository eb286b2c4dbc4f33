"""The numbers the report's prose states, checked against its own tables.

Sections 1 and 3 often repeat table 3 and table 4 in words ("全年共受理政府信息公开申请
3119件", "行政复议351件，其中结果维持72件…"). Each number the prose states is a check of
its own against the table (a disagreement is data, as with every check, never a
correction); a number the prose does not state gives no check.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from harvester.parse.interpret.checks import Facts
from harvester.parse.interpret.values import normalise
from harvester.parse.model import Check

NARRATIVE_PREFIX = "narrative."
PROSE_SECTIONS = ("1", "3")  # 总体情况 and 收到和处理政府信息公开申请情况
NUMBER = r"(\d+(?:,\d{3})*)件"
# "（含上年结转12件）" right after a count of received requests: the count includes them.
INCLUDES_CARRIED_OVER = re.compile(r"^[（(，,]?(?:含|其中|包括)[^。；]{0,6}上年")
# Within a clause about reviews or lawsuits: how many ended which way.
OUTCOMES = {"maintained": "结果维持", "corrected": "结果纠正", "other": "其他结果",
            "pending": "尚未审结"}
CLAUSE_END = re.compile(r"[；;。]|行政(?:复议|诉讼)")
LITIGATION_GROUPS = ("litigation.direct", "litigation.after_review")


@dataclass(frozen=True)
class Statement:
    """A kind of number the prose states, and the table cells it repeats (summed)."""

    name: str
    pattern: re.Pattern[str]
    keys: tuple[str, ...]


STATEMENTS = (
    Statement("apply_received", re.compile(
        r"(?:受理|收到|新收|接收)(?:各类|了)?(?:政府信息依申请公开|政府信息公开|依申请公开|信息公开)?(?:的)?"
        r"(?:申请)?(?:共计|总计|共|数量为?)?" + NUMBER), ("apply.new.total",)),
    Statement("apply_carried_over", re.compile(
        r"上年(?:度)?结转(?:的)?(?:政府信息公开)?(?:申请)?" + NUMBER), ("apply.carried_over.total",)),
    Statement("apply_answered", re.compile(
        r"(?:答复|办结)(?:政府信息公开申请|申请)?" + NUMBER), ("result.total.total",)),
    Statement("carry_forward", re.compile(
        r"(?:结转|顺延)(?:至|到)?下(?:一)?年(?:度)?(?:继续办理|办理|答复)?(?:的)?(?:申请)?" + NUMBER
        + r"|" + NUMBER + r"(?:申请)?(?:结转|顺延)(?:至|到)?下(?:一)?年"), ("carry_forward.total",)),
)
# Reviews and lawsuits counted apart ("行政复议、行政诉讼0件" counts both at once: no check).
GROUP_TOTALS = (
    ("review", re.compile(r"行政复议(?![、和及与])(?:案件|申请)?(?:共计|总计|共)?" + NUMBER),
     ("review",)),
    ("litigation", re.compile(r"(?<![、和及与])行政诉讼(?:案件)?(?:共计|总计|共)?" + NUMBER),
     LITIGATION_GROUPS),
)


def narrative_checks(sections: dict[str, str], prose: list[str], facts: Facts) -> list[Check]:
    """A check for every table number the prose of sections 1 and 3 states (all the prose
    when the sections were not found)."""
    text = normalise("\n".join(sections[n] for n in PROSE_SECTIONS if n in sections)
                     or "\n".join(prose))
    return [_check(name, said, keys, facts) for name, said, keys in _stated(text)]


def _stated(text: str) -> Iterator[tuple[str, tuple[str, int], tuple[str, ...]]]:
    """(check name, (prose, number), table keys) of each number the prose first states."""
    for statement in STATEMENTS:
        match = statement.pattern.search(text)
        if match:
            keys = statement.keys
            if statement.name == "apply_received" and INCLUDES_CARRIED_OVER.match(
                    text[match.end():]):
                keys = (*keys, "apply.carried_over.total")
            yield statement.name, _said(match), keys
    for group, pattern, prefixes in GROUP_TOTALS:
        match = pattern.search(text)
        if not match:
            continue
        yield f"{group}.total", _said(match), tuple(f"{p}.total" for p in prefixes)
        clause = text[match.end():]
        clause = clause[: (end.start() if (end := CLAUSE_END.search(clause)) else len(clause))]
        for outcome, words in OUTCOMES.items():
            if part := re.search(words + NUMBER, clause):
                yield (f"{group}.{outcome}", _said(part),
                       tuple(f"{p}.{outcome}" for p in prefixes))


def _said(match: re.Match[str]) -> tuple[str, int]:
    """The words that state the number, and the number."""
    number = next(g for g in match.groups() if g is not None)
    return match.group(0), int(number.replace(",", ""))


def _check(name: str, said: tuple[str, int], keys: tuple[str, ...], facts: Facts) -> Check:
    words, number = said
    name = NARRATIVE_PREFIX + name
    missing = [k for k in keys if k not in facts]
    if missing:
        return Check(name, None, f'prose "{words}" states {number}; not printed: '
                     + ", ".join(missing), list(keys))
    table = sum(facts[k] or 0 for k in keys)  # a blank cell reads as 0
    return Check(name, number == table,
                 f'prose "{words}" states {number}; {" + ".join(keys)} = {table}', list(keys))
