"""From parse results to report rows: choosing the source document, facts, checks, sections.

A report is one agency's one reporting year. Several archived files may carry it (an
HTML page and its PDF, a "图片版" and a "超链版", a corrected version); the chosen source
is the best parse: most facts, then fewest failed checks, then text before OCR, then
html > docx > pdf > doc.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from harvester.db.money import money_columns
from harvester.parse.interpret.narrative import NARRATIVE_PREFIX
from harvester.parse.model import OCR_METHODS, ParseResult
from harvester.schema import KEYS, SECTIONS, TABLE3_COLUMNS

CARRIER_PREFERENCE = ("html", "docx", "pdf", "doc", "text", "image")
CROSS_YEAR_PREFIX = "cross_year.carried_over."
LOW_CONFIDENCE = 0.8  # OCR readings below this are flagged for review (right digits score ~0.95+)
_KEY_ORDER = {key: i for i, key in enumerate(KEYS)}


def document_id(url: str, sha256: str) -> str:
    """A stable id for one version (sha256) of one URL."""
    return hashlib.sha256(f"{url}\n{sha256}".encode()).hexdigest()[:16]


def report_id(agency_id: str, year: int) -> str:
    """A stable, readable id for one agency's report of one year."""
    return f"{agency_id}/{year}"


def failed_check_names(result: ParseResult) -> list[str]:
    """Names of the checks that were computed and failed."""
    return [c.name for c in result.checks if c.passed is False]


def preference(result: ParseResult, url: str) -> tuple:
    """Sort key: the best source document sorts first (url breaks ties, for determinism)."""
    carrier_rank = (CARRIER_PREFERENCE.index(result.carrier)
                    if result.carrier in CARRIER_PREFERENCE else len(CARRIER_PREFERENCE))
    # Read from pictures ranks after a text layer that gives as much: OCR may misread a cell.
    read_by_ocr = result.method in OCR_METHODS
    return (-len(result.facts), len(failed_check_names(result)), read_by_ocr, carrier_rank, url)


def review_reason(key: str, where: dict[str, Any], failed: dict[str, set[str]]) -> str | None:
    """Why a fact needs a human look, or None: it takes part in a failed sum of the table
    (failed_check), the prose states another number for it (narrative_mismatch: the table
    or the prose may be wrong), OCR was unsure (low_confidence)."""
    reasons = [reason for reason, keys in failed.items() if key in keys]
    if where.get("confidence") is not None and where["confidence"] < LOW_CONFIDENCE:
        reasons.append("low_confidence")
    return ",".join(reasons) or None


def failed_keys(result: ParseResult) -> dict[str, set[str]]:
    """Review reason -> the facts its failed checks take part in."""
    failed: dict[str, set[str]] = {"failed_check": set(), "narrative_mismatch": set()}
    for check in result.checks:
        if check.passed is False:
            reason = ("narrative_mismatch" if check.name.startswith(NARRATIVE_PREFIX)
                      else "failed_check")
            failed[reason].update(check.keys)
    return failed


def fact_rows(rid: str, result: ParseResult) -> list[dict[str, Any]]:
    """The long-form facts of a report, in codebook order, each flagged when it needs review."""
    failed = failed_keys(result)
    rows = []
    for key in sorted(result.facts, key=_codebook_order):
        where = result.where.get(key) or {}
        row_key, column_key = key.rsplit(".", 1)
        rows.append({
            "report_id": rid, "key": key, "value": result.facts[key],
            "raw": result.raw.get(key), "unit": result.units.get(key) or _unit(key),
            "source_cell": json.dumps(where, ensure_ascii=False, sort_keys=True) if where else None,
            # A per-cell method (an OCR'd page in a text-layer PDF) wins over the file's.
            "method": where.get("method") or result.method,
            "table_name": KEYS[key].table if key in KEYS else None,
            "row_key": row_key, "column_key": column_key,
            "review": review_reason(key, where, failed),
            **_reading(result.cell_status.get(key)),
            **money_columns(key, result.facts[key], result.units.get(key)),
        })
    return rows


def _reading(status: str | None) -> dict[str, Any]:
    """How the value was established (CELL_STATUSES; None when the parse does not say)."""
    return {"verified": int(status == "verified"), "reading": status}


def check_rows(rid: str, result: ParseResult) -> list[dict[str, Any]]:
    """The report's own arithmetic checks."""
    return [{"report_id": rid, "check_name": c.name,
             "passed": None if c.passed is None else int(c.passed), "detail": c.detail}
            for c in result.checks]


def section_rows(rid: str, result: ParseResult) -> list[dict[str, Any]]:
    """The report's prose sections, numbered 1..6."""
    return [{"report_id": rid, "section": number, "heading": SECTIONS.get(number),
             "text": text}
            for number, text in sorted(result.sections.items()) if text]


def cross_year_checks(rid: str, facts: dict[str, Any], previous: dict[str, Any],
                      previous_year: int) -> list[dict[str, Any]]:
    """This year's apply.carried_over.c against last year's carry_forward.c, per column."""
    rows = []
    for column in TABLE3_COLUMNS:
        this_key, last_key = f"apply.carried_over.{column}", f"carry_forward.{column}"
        if this_key not in facts or last_key not in previous:
            continue
        # A blank cell reads as 0 in checks (spec: report-schema.md).
        this_value, last_value = facts[this_key] or 0, previous[last_key] or 0
        rows.append({
            "report_id": rid, "check_name": CROSS_YEAR_PREFIX + column,
            "passed": int(this_value == last_value),
            "detail": f"{this_key} = {this_value}; {previous_year} {last_key} = {last_value}",
        })
    return rows


def _codebook_order(key: str) -> tuple[int, str]:
    return (_KEY_ORDER.get(key, len(_KEY_ORDER)), key)


def _unit(key: str) -> str | None:
    return KEYS[key].unit if key in KEYS else None
