"""From the intermediate form to a ParseResult: written once for every carrier."""

from __future__ import annotations

from harvester.parse.interpret.checks import run_checks
from harvester.parse.interpret.readings import reconcile
from harvester.parse.interpret.meta import read_meta
from harvester.parse.interpret.narrative import narrative_checks
from harvester.parse.interpret.sections import split_sections
from harvester.parse.interpret.template import detect_template
from harvester.parse.model import Extract, ParseResult

# A file is a report when it prints the statistical tables, or when it has a report title
# and the report's numbered sections (free-form reports before 2019 have no tables).
MIN_FACTS_FOR_REPORT = 10
MIN_SECTIONS_FOR_FREE_FORM = 2


def interpret(extract: Extract, result: ParseResult) -> ParseResult:
    """Fill `result` (which already names the file) from the extract."""
    meta = read_meta(extract)
    reconciled = reconcile(extract)
    mapped = reconciled.facts
    sections = split_sections(extract)
    is_report = len(mapped.facts) >= MIN_FACTS_FOR_REPORT or (
        meta.title is not None and len(sections) >= MIN_SECTIONS_FOR_FREE_FORM)
    result.method = extract.method
    result.errors.extend(extract.errors)
    result.page_notes = extract.page_notes
    if not is_report:
        result.kind = "not_report"
        result.template = "unknown"
        result.title = meta.title or extract.title
        result.errors.append(
            f"not an annual report: {len(mapped.facts)} table cells, "
            f"{'a' if meta.title else 'no'} report title, {len(sections)} report sections")
        return result
    result.kind = "report"
    result.title, result.agency, result.year = meta.title, meta.agency, meta.year
    result.agency_source, result.year_source = meta.agency_source, meta.year_source
    result.facts, result.raw, result.units, result.where = (
        mapped.facts, mapped.raw, mapped.units, mapped.where)
    result.errors.extend(mapped.errors + reconciled.notes)
    result.cell_status = reconciled.status
    result.sections = sections
    result.template = detect_template(mapped.facts, is_report)
    result.checks = run_checks(mapped.facts)
    if mapped.facts:
        result.checks += narrative_checks(
            sections, [p.text for p in extract.paragraphs()], mapped.facts)
    if result.year is None:
        result.errors.append("reporting year not found in the title")
    return result
