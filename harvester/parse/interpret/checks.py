"""The report's own arithmetic (spec: Checks). A failed check is data, never a correction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from harvester.parse.model import Check
from harvester.schema import RESULT_ROWS, TABLE3_COLUMNS, TABLE3_ROWS, TABLE4_GROUPS

APPLICANT_COLUMNS = [c for c in TABLE3_COLUMNS if c != "total"]
Facts = Mapping[str, int | float | None]


def run_checks(facts: Facts) -> list[Check]:
    """Every identity of the spec that applies within one report."""
    checks: list[Check] = []
    has_table3 = any(k.startswith(("apply.", "result.", "carry_forward")) for k in facts)
    if has_table3:
        for column in TABLE3_COLUMNS:
            checks.append(_balance(facts, column))
            checks.append(_results(facts, column))
        for row in TABLE3_ROWS:
            if any(f"{row}.{c}" in facts for c in TABLE3_COLUMNS):
                checks.append(_equation(
                    f"table3.row_sum.{row}", facts,
                    [f"{row}.{c}" for c in APPLICANT_COLUMNS], [f"{row}.total"]))
    if any(k.startswith(("review.", "litigation.")) for k in facts):
        for group in TABLE4_GROUPS:
            parts = [f"{group}.{o}" for o in ("maintained", "corrected", "other", "pending")]
            checks.append(_equation(f"table4.group_sum.{group}", facts, parts, [f"{group}.total"]))
    return checks


def _balance(facts: Facts, column: str) -> Check:
    return _equation(
        f"table3.balance.{column}", facts,
        [f"apply.new.{column}", f"apply.carried_over.{column}"],
        [f"result.total.{column}", f"carry_forward.{column}"])


def _results(facts: Facts, column: str) -> Check:
    printed = [f"{row}.{column}" for row in RESULT_ROWS if f"{row}.{column}" in facts]
    return _equation(f"table3.results_sum.{column}", facts, printed or
                     [f"result.granted.{column}"], [f"result.total.{column}"])


def _equation(name: str, facts: Facts, left: list[str], right: list[str]) -> Check:
    missing = [k for k in left + right if k not in facts]
    if missing:
        return Check(name, None, "not printed: " + ", ".join(missing), left + right)
    lhs, rhs = _sum(facts, left), _sum(facts, right)
    detail = f"{_terms(facts, left)} = {lhs}; {_terms(facts, right)} = {rhs}"
    return Check(name, abs(lhs - rhs) < 1e-9, detail, left + right)


def _sum(facts: Facts, keys: Iterable[str]) -> int | float:
    return sum(facts[k] or 0 for k in keys)  # a blank cell reads as 0


def _terms(facts: Facts, keys: list[str]) -> str:
    return " + ".join("blank" if facts[k] is None else str(facts[k]) for k in keys)
