"""What the page of one report shows (templates/row-harvester-reports.html): its headline
figures, every fact with its codebook label, unit and reading, the checks, the sections,
and the archived files that carry it.

Read from the published database only; every number is the one stored (as printed).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from harvester.db.datasette import HANDLED, OUTCOMES, outcome_keys

# Headline figures: (key, what it counts), the new requests first.
HEADLINE = (
    ("apply.new.total", "new requests"),
    (HANDLED, "requests handled"),
    ("review.total", "administrative reviews"),
    ("litigation.direct.total", "lawsuits, direct"),
    ("litigation.after_review.total", "lawsuits after review"),
)
OUTCOME_LABELS = {
    "granted": "予以公开", "partial": "部分公开", "denied": "不予公开", "unable": "无法提供",
    "not_processed": "不予处理", "other": "其他处理",
}
FACTS_SQL = """
SELECT f.key, c.label, f.value, f.raw, f.unit, f.table_name, f.method, f.reading, f.verified,
       f.review, f.source_cell
FROM facts f LEFT JOIN codebook c ON c.key = f.key WHERE f.report_id = ? ORDER BY f.rowid
"""
DOCUMENTS_SQL = """
SELECT d.id, d.url, d.sha256, d.carrier, d.method, d.title, d.link_text, d.first_seen,
       d.warc_file, d.warc_offset, d.n_facts, rd.chosen
FROM report_documents rd JOIN documents d ON d.id = rd.document_id
WHERE rd.report_id = ? ORDER BY rd.chosen DESC, d.first_seen, d.url
"""


def cell_link(report_id: str, key: str) -> str:
    """The page showing where a fact was printed (harvester.db.cell_pictures)."""
    return "/-/cell?" + urlencode({"report": report_id, "key": key})


async def context(db, report_id: str) -> dict[str, Any] | None:
    """Everything the report page shows, or None for an unknown report."""
    rows = (await db.execute("SELECT * FROM reports WHERE id = ?", [report_id])).rows
    if not rows:
        return None
    facts = [dict(row) for row in (await db.execute(FACTS_SQL, [report_id])).rows]
    for fact in facts:
        fact["cell_link"] = cell_link(report_id, fact["key"])
    values = {fact["key"]: fact for fact in facts}
    return {
        "report": dict(rows[0]),
        "headline": [{**values[key], "label": label, "label_zh": values[key]["label"]}
                     for key, label in HEADLINE if key in values],
        "outcomes": _outcomes(values),
        "facts": facts,
        "checks": await _rows(db, "SELECT check_name, passed, detail FROM checks"
                                  " WHERE report_id = ? ORDER BY passed, check_name", report_id),
        "sections": await _rows(db, "SELECT section, heading, text FROM sections"
                                    " WHERE report_id = ? ORDER BY section", report_id),
        "documents": await _rows(db, DOCUMENTS_SQL, report_id),
        "other_years": await _rows(db, "SELECT id, year FROM reports WHERE agency_id ="
                                       " (SELECT agency_id FROM reports WHERE id = ?)"
                                       " ORDER BY year", report_id),
    }


async def _rows(db, sql: str, report_id: str) -> list[dict[str, Any]]:
    return [dict(row) for row in (await db.execute(sql, [report_id])).rows]


def _outcomes(values: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Handled requests by outcome, as printed, with each outcome's share of those handled."""
    handled = (values.get(HANDLED) or {}).get("value")
    outcomes = []
    for outcome in OUTCOMES:
        printed = [values[k]["value"] for k in outcome_keys(outcome) if k in values]
        if not printed:
            continue
        total = sum(v or 0 for v in printed)
        share = round(100 * total / handled, 1) if handled else None
        outcomes.append({"outcome": outcome, "label": OUTCOME_LABELS[outcome],
                         "requests": total, "share": share})
    return outcomes
