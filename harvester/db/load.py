"""`harvester load`: rebuild the published database from the archive, registry and parser.

Never touches the network. Idempotent: the same archive gives the same rows, and a report
is rewritten (facts, checks, sections, search index, in one transaction) only when its
chosen source file or the parser version changed.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlite_utils

from harvester import damage
from harvester.archive.fetchlog import DamagedFetchLog
from harvester.config import Layout
from harvester.db import divisions
from harvester.db import reports as rep
from harvester.db import search, wide
from harvester.db.agencies import AgencyResolver, discovered_agencies, registry_agencies, registry_aliases
from harvester.db.build import analyze, open_db
from harvester.db.completion import Identity, describe_unpublished, document_title, identify
from harvester.db.isolation import Limits, worth_retrying
from harvester.db.parsecache import ParseCache
from harvester.db.parsing import DEFAULT_WORKERS, LocalParsing, Parsing
from harvester.db.pictures import read_picture_pages
from harvester.db.sources import iter_archived_documents
from harvester.operate import coverage
from harvester.parse import PARSER_VERSION
from harvester.parse.model import ParseResult
from harvester.progress import Progress
from harvester.registry import Site


@dataclass
class LoadSummary:
    """What a load did."""

    documents: int = 0
    parsed: int = 0  # parsed now (not from the cache)
    statuses: dict[str, int] = field(default_factory=dict)
    reports: int = 0
    reports_written: int = 0
    reports_removed: int = 0
    agencies: int = 0
    facts: int = 0
    failed_checks: int = 0
    # (url, problem) of every document parsed as a report that is in no published report.
    unpublished: list[tuple[str, str]] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # URL -> why its parse failed (kind "error")
    set_aside: list[str] = field(default_factory=list)  # damaged derived files renamed aside, and how

    def lines(self) -> list[str]:
        """A human summary, naming every report document left unpublished and why."""
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items()))
        return [
            *self.set_aside,
            f"documents: {self.documents} ({statuses or 'none'}); parsed now: {self.parsed}",
            f"reports: {self.reports} ({self.reports_written} written, "
            f"{self.reports_removed} removed); agencies: {self.agencies}",
            f"facts: {self.facts}; failed checks: {self.failed_checks}",
            *describe_unpublished(self.unpublished),
            *([f"parse failures: {len(self.failures)}"] if self.failures else []),
            *(f"  {url}: {reason}" for url, reason in sorted(self.failures.items())),
        ]


def load(root: Path, sites: list[Site], progress: Progress | None = None,
         workers: int = DEFAULT_WORKERS, retry_failed: bool = False,
         parsing: Parsing | None = None) -> LoadSummary:
    """Load every archived document under `root` into `<root>/harvester.db`.

    `sites` is the registry the archive was crawled with (agency names and regions); files not
    yet in the parse cache (nor cached as a crash under other limits, or as any failure when
    `retry_failed`) are parsed by `parsing` (default: `workers` processes on this machine). A
    damaged published database or parse cache is set aside and the load run again without it
    (harvester.damage); a damaged fetch log is a DamagedFetchLog.
    """
    parsing = parsing or LocalParsing(workers)
    progress = progress or (lambda stage, done, total: None)
    root.mkdir(parents=True, exist_ok=True)
    try:
        return _load(root, sites, progress, retry_failed, parsing)
    except sqlite3.DatabaseError as error:
        if not damage.is_damage(error):
            raise
        layout = Layout(root)
        if why := damage.damage_found(layout.fetch_log, thorough=True):
            raise DamagedFetchLog(f"{layout.fetch_log}: {why}") from error
        damaged = {path: why for path in (layout.published, layout.parse_cache)
                   if (why := damage.damage_found(path, thorough=True))}
        if not damaged:
            raise
    notes = [damage.set_aside(path, why) for path, why in damaged.items()]
    summary = _load(root, sites, progress, retry_failed, parsing)
    summary.set_aside = notes
    return summary


def _load(root: Path, sites: list[Site], progress: Progress, retry_failed: bool,
          parsing: Parsing) -> LoadSummary:
    """One load (see `load`)."""
    db = open_db(root)
    cache = ParseCache(root)
    summary = LoadSummary()
    try:
        documents = list(iter_archived_documents(root))
        summary.documents = len(documents)
        results = _parse_all(root, documents, cache, summary, progress, parsing, retry_failed)
        summary.parsed += read_picture_pages(root, documents, results, cache, progress, parsing.pages,
                                             retry_failed)
        for result in results.values():
            summary.statuses[_status(result)] = summary.statuses.get(_status(result), 0) + 1
        identities = _identify_reports(documents, results, sites)
        summary.unpublished = [(d["url"], identities[_doc_id(d)].problem) for d in documents
                               if _doc_id(d) in identities and identities[_doc_id(d)].problem]
        summary.failures = {d["url"]: "; ".join(results[d["sha256"]].errors) for d in documents
                            if results[d["sha256"]].kind == "error"}
        discovered, aliases = discovered_agencies(Layout(root).registry)
        agencies = AgencyResolver(registry_agencies(sites) + discovered, registry_aliases(sites) + aliases)
        candidates = _group_reports(documents, results, identities, agencies)
        with db.atomic():
            db["agencies"].upsert_all(agencies.rows(), pk="id")
            divisions.write(db, agencies.alias_rows())
            db["documents"].upsert_all(
                (_document_row(d, results[d["sha256"]], identities.get(_doc_id(d)))
                 for d in documents), pk="id")
        _write_reports(db, candidates, summary, progress)
        _write_cross_year_checks(db)
        coverage.write(db, date.today())
        analyze(db)
        summary.reports = db["reports"].count
        summary.agencies = db["agencies"].count
        summary.facts = db["facts"].count
        summary.failed_checks = db.execute(
            "SELECT count(*) FROM checks WHERE passed = 0").fetchone()[0]
    finally:
        cache.close()
        db.close()
    return summary


def _parse_all(root: Path, documents: list[dict[str, Any]], cache: ParseCache, summary: LoadSummary,
               progress: Progress, parsing: Parsing, retry_failed: bool) -> dict[str, ParseResult]:
    """sha256 -> parse result, from the cache or by parsing the archived bytes (in parallel, each file
    in a process that may die alone: its failure is a result too, cached with its reason), each
    result cached as it arrives."""
    shas, limits = sorted({d["sha256"] for d in documents}), Limits.from_env()
    results = {sha: cached for sha in shas if (cached := cache.get(sha, PARSER_VERSION)) is not None
               and not worth_retrying(cached, limits, retry_failed)}
    missing = [sha for sha in shas if sha not in results]
    for done, result in enumerate(parsing.blobs(root, missing), len(results) + 1):
        cache.put(result)
        results[result.sha256] = result
        summary.parsed += 1
        progress("parse", done, len(shas))
    return results


def _status(result: ParseResult) -> str:
    """A document's parse status: report, not_report, unreadable, error or no_year."""
    if result.kind == "report" and result.year is None:
        return "no_year"
    return result.kind


def _doc_id(document: dict[str, Any]) -> str:
    return rep.document_id(document["url"], document["sha256"])


def _identify_reports(documents: list[dict[str, Any]], results: dict[str, ParseResult],
                      sites: list[Site]) -> dict[str, Identity]:
    """Document id -> agency and year of every document parsed as a report, completed."""
    by_id = {site.id: site for site in sites}
    return {_doc_id(d): identify(d, results[d["sha256"]], by_id.get(d["site"]))
            for d in documents if results[d["sha256"]].kind == "report"}


def _document_row(document: dict[str, Any], result: ParseResult,
                  identity: Identity | None) -> dict[str, Any]:
    """A documents row; a report's agency and year as completed, with why it is unpublished."""
    identity = identity or Identity(result.agency, result.agency_source, result.year,
                                    result.year_source)
    return {
        **document, "id": _doc_id(document), "title": document_title(document),
        "carrier": result.carrier, "method": result.method, "parse_status": _status(result),
        "parser_version": result.parser_version, "agency": identity.agency,
        "agency_source": identity.agency_source, "year": identity.year,
        "year_source": identity.year_source, "n_facts": len(result.facts),
        "errors": json.dumps(result.errors, ensure_ascii=False) if result.errors else None,
        "problem": identity.problem if result.kind == "report" else None,
    }


@dataclass
class Candidate:
    """The documents that carry one report, best parse first."""

    agency: dict[str, Any]
    year: int
    documents: list[tuple[dict[str, Any], ParseResult]]
    identities: dict[str, Identity] = field(default_factory=dict)  # by document id


def _group_reports(documents: list[dict[str, Any]], results: dict[str, ParseResult],
                   identities: dict[str, Identity],
                   agencies: AgencyResolver) -> dict[str, Candidate]:
    """Report id -> the documents that carry that report (every identified report document)."""
    groups: dict[str, Candidate] = {}
    for document in documents:
        identity = identities.get(_doc_id(document))
        if identity is None or identity.problem:
            continue
        agency = agencies.resolve(document["site"], identity.agency)
        rid = rep.report_id(agency["id"], identity.year)
        candidate = groups.setdefault(rid, Candidate(agency, identity.year, []))
        candidate.documents.append((document, results[document["sha256"]]))
        candidate.identities[_doc_id(document)] = identity
    for candidate in groups.values():
        candidate.documents.sort(key=lambda pair: rep.preference(pair[1], pair[0]["url"]))
    return groups


def _report_row(rid: str, candidate: Candidate) -> dict[str, Any]:
    document, result = candidate.documents[0]
    agency = candidate.agency
    identity = candidate.identities[_doc_id(document)]
    # parse_status and the check counts are filled by _write_cross_year_checks.
    return {
        "id": rid, "agency_id": agency["id"], "agency": agency["name"],
        "agency_source": identity.agency_source,
        "province": agency["province"], "city": agency["city"], "county": agency["county"],
        "division": agency["division"], "level": agency["level"], "year": candidate.year, "year_source": identity.year_source,
        "template": result.template,
        "parser_version": result.parser_version, "n_facts": len(result.facts),
        "source_document": _doc_id(document),
        "source_url": document["url"], "source_sha256": document["sha256"],
        "carrier": result.carrier, "method": result.method,
        "title": result.title or document["title"], "n_documents": len(candidate.documents),
    }


def _write_reports(db: sqlite_utils.Database, candidates: dict[str, Candidate],
                   summary: LoadSummary, progress: Progress) -> None:
    """Write each changed report in its own transaction; drop reports no longer found."""
    existing = {row["id"]: row for row in db["reports"].rows}
    for done, rid in enumerate(sorted(candidates), 1):
        candidate = candidates[rid]
        row = _report_row(rid, candidate)
        links = [{"report_id": rid, "document_id": _doc_id(d),
                  "chosen": int(i == 0)} for i, (d, _) in enumerate(candidate.documents)]
        if _unchanged(db, existing.get(rid), row, links):
            continue
        with db.atomic():
            _delete_report(db, rid)
            result = candidate.documents[0][1]
            db["reports"].insert(row, pk="id")
            db["report_documents"].insert_all(links, pk=("report_id", "document_id"))
            db["facts"].insert_all(rep.fact_rows(rid, result), pk=("report_id", "key"))
            db["checks"].insert_all(rep.check_rows(rid, result), pk=("report_id", "check_name"))
            db["sections"].insert_all(rep.section_rows(rid, result), pk=("report_id", "section"))
            search.index_rows(db.conn, db.execute(
                "SELECT rowid, text FROM sections WHERE report_id = ?", [rid]).fetchall())
            wide.write_report(db, rid)
        summary.reports_written += 1
        progress("load", done, len(candidates))
    for rid in sorted(set(existing) - set(candidates)):
        with db.atomic():
            _delete_report(db, rid)
        summary.reports_removed += 1


def _unchanged(db: sqlite_utils.Database, old: dict[str, Any] | None, row: dict[str, Any],
               links: list[dict[str, Any]]) -> bool:
    """True when the stored report came from the same files by the same parser."""
    if old is None:
        return False
    if any(old[k] != v for k, v in row.items()):
        return False
    stored = db.execute("SELECT report_id, document_id, chosen FROM report_documents"
                        " WHERE report_id = ? ORDER BY document_id", [row["id"]]).fetchall()
    return stored == sorted((l["report_id"], l["document_id"], l["chosen"]) for l in links)


def _delete_report(db: sqlite_utils.Database, rid: str) -> None:
    """Remove a report and everything read from it (inside the caller's transaction)."""
    rowids = [r[0] for r in db.execute("SELECT rowid FROM sections WHERE report_id = ?", [rid])]
    search.unindex_rows(db.conn, rowids)
    for table in ("facts", "checks", "sections", "report_documents", *wide.NAMES):
        db.execute(f"DELETE FROM {table} WHERE report_id = ?", [rid])
    db.execute("DELETE FROM reports WHERE id = ?", [rid])


def _write_cross_year_checks(db: sqlite_utils.Database) -> None:
    """Recompute the cross-year checks and every report's checks summary and status.

    parse_status: complete, failed_checks (its own sums, or its prose and tables, disagree;
    stored, never fixed) or no_tables (a prose-only report).
    """
    facts: dict[str, dict[str, Any]] = defaultdict(dict)
    for rid, key, value in db.execute(
            "SELECT report_id, key, value FROM facts WHERE key LIKE 'apply.carried_over.%'"
            " OR key LIKE 'carry_forward.%'"):
        facts[rid][key] = value
    reports = {(r["agency_id"], r["year"]): r["id"]
               for r in db.query("SELECT id, agency_id, year FROM reports")}
    rows = []
    for (agency_id, year), rid in sorted(reports.items()):
        previous = reports.get((agency_id, year - 1))
        if previous:
            rows += rep.cross_year_checks(rid, facts[rid], facts[previous], year - 1)
    with db.atomic():
        db.execute("DELETE FROM checks WHERE check_name LIKE ?", [rep.CROSS_YEAR_PREFIX + "%"])
        db["checks"].insert_all(rows, pk=("report_id", "check_name"))
        db.execute("""
            UPDATE reports SET
              n_checks = (SELECT count(*) FROM checks c WHERE c.report_id = reports.id),
              n_failed_checks = (SELECT count(*) FROM checks c
                                 WHERE c.report_id = reports.id AND c.passed = 0),
              failed_checks = (SELECT json_group_array(check_name) FROM
                                 (SELECT check_name FROM checks c WHERE c.report_id = reports.id
                                  AND c.passed = 0 ORDER BY check_name)),
              parse_status = CASE WHEN n_facts = 0 THEN 'no_tables'
                WHEN EXISTS (SELECT 1 FROM checks c WHERE c.report_id = reports.id
                             AND c.passed = 0) THEN 'failed_checks'
                ELSE 'complete' END""")
