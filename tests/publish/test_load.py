"""The load stage: archive -> harvester.db, with golden facts, idempotence and re-parsing."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

import harvester.db.load as load_module
import harvester.parse
from harvester.db.load import load
from harvester.db.reports import preference
from harvester.parse.model import ParseResult
from harvester.registry import Site
from publish.helpers import SEEDS, archive_files, expected, seed_text, site_of


def table_hashes(path: Path) -> dict[str, str]:
    """A content hash of every table (FTS shadow tables included), independent of row order."""
    conn = sqlite3.connect(path)
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    hashes = {}
    for name in names:
        rows = sorted(repr(row) for row in conn.execute(f"SELECT * FROM [{name}]"))
        hashes[name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    conn.close()
    return hashes


def report_facts(db: sqlite_utils.Database, seed: str) -> dict:
    golden = expected(seed)
    report = db.execute("SELECT id FROM reports WHERE agency = ? AND year = ?",
                        [golden["agency"], golden["year"]]).fetchone()
    assert report, f"no report for {golden['agency']} {golden['year']}"
    return dict(db.execute("SELECT key, value FROM facts WHERE report_id = ?", [report[0]]))


@pytest.mark.parametrize("seed", SEEDS)
def test_every_seed_loads_with_its_golden_facts(loaded_archive: Path, seed: str) -> None:
    db = sqlite_utils.Database(loaded_archive / "harvester.db")
    assert report_facts(db, seed) == expected(seed)["facts"]


def test_reports_get_region_from_the_registry(loaded_archive: Path, sites: list[Site]) -> None:
    db = sqlite_utils.Database(loaded_archive / "harvester.db")
    by_id = {s.id: s for s in sites}
    for report in db["reports"].rows:
        site = by_id[report["agency_id"]]
        assert (report["province"], report["city"], report["level"]) == (
            site.region.province, site.region.city, site.level)


def test_the_chosen_source_is_the_best_parse(loaded_archive: Path) -> None:
    db = sqlite_utils.Database(loaded_archive / "harvester.db")
    preference = ["html", "docx", "pdf", "doc", "text"]
    for report in db["reports"].rows:
        documents = list(db.query(
            "SELECT d.id, d.n_facts, d.carrier FROM report_documents l"
            " JOIN documents d ON d.id = l.document_id WHERE l.report_id = ?", [report["id"]]))
        assert len(documents) == report["n_documents"] >= 1
        most = max(d["n_facts"] for d in documents)
        chosen = next(d for d in documents if d["id"] == report["source_document"])
        assert chosen["n_facts"] == most
        rivals = [d["carrier"] for d in documents if d["n_facts"] == most]
        assert preference.index(chosen["carrier"]) == min(preference.index(c) for c in rivals)


def test_reloading_the_same_archive_changes_nothing(tmp_path: Path, loaded_archive: Path,
                                                    sites: list[Site]) -> None:
    root = tmp_path / "archive"
    shutil.copytree(loaded_archive, root)
    before = table_hashes(root / "harvester.db")
    summary = load(root, sites)
    assert summary.parsed == 0, "parse results must come from the cache"
    assert summary.reports_written == 0
    assert table_hashes(root / "harvester.db") == before


def test_a_newer_parser_replaces_every_report(tmp_path: Path, loaded_archive: Path,
                                              sites: list[Site], monkeypatch) -> None:
    root = tmp_path / "archive"
    shutil.copytree(loaded_archive, root)
    db = sqlite_utils.Database(root / "harvester.db")
    facts_before = db.execute("SELECT count(*) FROM facts").fetchone()[0]
    monkeypatch.setattr(harvester.parse, "PARSER_VERSION", "next")
    monkeypatch.setattr(load_module, "PARSER_VERSION", "next")
    summary = load(root, sites)
    assert summary.parsed == db.execute("SELECT count(DISTINCT sha256) FROM documents").fetchone()[0]
    assert summary.reports_written == db["reports"].count == len(SEEDS)
    assert {r["parser_version"] for r in db["reports"].rows} == {"next"}
    assert db.execute("SELECT count(*) FROM facts").fetchone()[0] == facts_before
    # The search index follows the rewritten sections.
    assert db.execute("SELECT count(*) FROM sections_fts").fetchone()[0] == db["sections"].count


def test_cross_year_check_compares_with_last_years_carry_forward(tmp_path: Path,
                                                                 sites: list[Site]) -> None:
    seed = "001_1fe2932832f48954"  # 本溪市科学技术局 2020: every carried-over cell is 0
    text_2020 = seed_text(seed)
    # The same agency's 2019 report, carrying 2 natural-person requests forward into 2020.
    text_2019 = text_2020.replace("2020 年度", "2019 年度").replace(
        "四、结转下年度继续办理\t\t0\t0\t0\t0\t0\t0\t0", "四、结转下年度继续办理\t\t2\t0\t0\t0\t0\t0\t2")
    assert text_2019.count("\t\t2\t0") == 1
    site = site_of(seed, sites)
    archive_files(tmp_path, [(site, "http://127.0.0.1/2020.txt", text_2020.encode()),
                             (site, "http://127.0.0.1/2019.txt", text_2019.encode())])
    load(tmp_path, sites)
    db = sqlite_utils.Database(tmp_path / "harvester.db")
    checks = {r["check_name"]: r["passed"] for r in db.query(
        "SELECT check_name, passed FROM checks WHERE report_id = ? AND check_name LIKE 'cross_year%'",
        [f"{site}/2020"])}
    assert checks == {f"cross_year.carried_over.{c}": int(c not in ("natural_person", "total"))
                      for c in ("natural_person", "commercial", "research", "public_interest",
                                "legal_service", "other", "total")}
    report = db["reports"].get(f"{site}/2020")
    assert report["parse_status"] == "failed_checks"
    assert set(json.loads(report["failed_checks"])) == {
        "cross_year.carried_over.natural_person", "cross_year.carried_over.total"}
    assert not list(db.query("SELECT 1 FROM checks WHERE report_id = ? AND check_name LIKE"
                             " 'cross_year%'", [f"{site}/2019"]))


def test_values_a_failed_check_contradicts_are_flagged_for_review_not_changed(
        tmp_path: Path, sites: list[Site]) -> None:
    seed = "001_1fe2932832f48954"
    printed = "四、结转下年度继续办理\t\t0\t0\t0\t0\t0\t0\t0"
    text = seed_text(seed).replace(printed, printed.replace("\t\t0\t", "\t\t3\t", 1))
    assert text != seed_text(seed)
    site = site_of(seed, sites)
    archive_files(tmp_path, [(site, "http://127.0.0.1/2020.txt", text.encode())])
    load(tmp_path, sites)
    db = sqlite_utils.Database(tmp_path / "harvester.db")
    facts = {r["key"]: (r["value"], r["review"]) for r in db["facts"].rows}
    assert facts["carry_forward.natural_person"] == (3, "failed_check")  # kept as printed
    flagged = {key for key, (_, review) in facts.items() if review}
    assert {"apply.new.natural_person", "result.total.natural_person", "carry_forward.total"} <= flagged
    assert not any(key.startswith(("active.", "review.", "litigation.")) for key in flagged)
    assert facts["apply.new.commercial"][1] is None  # its own sums still add up


def test_prose_that_disagrees_with_the_table_flags_a_narrative_mismatch_not_a_failed_sum(
        tmp_path: Path, sites: list[Site]) -> None:
    seed = "003_fd5e2081a75f95e0"
    stated = "共受理依申请公开1件"  # the table prints apply.new.total = 1
    text = seed_text(seed).replace(stated, "共受理依申请公开4件")
    assert text != seed_text(seed)
    site = site_of(seed, sites)
    archive_files(tmp_path, [(site, "http://127.0.0.1/2019.txt", text.encode())])
    load(tmp_path, sites)
    db = sqlite_utils.Database(tmp_path / "harvester.db")
    facts = {r["key"]: (r["value"], r["review"]) for r in db["facts"].rows}
    assert facts["apply.new.total"] == (expected(seed)["facts"]["apply.new.total"],
                                        "narrative_mismatch")
    assert {key for key, (_, review) in facts.items() if review} == {"apply.new.total"}
    check = db["checks"].get((f"{site}/{expected(seed)['year']}", "narrative.apply_received"))
    assert check["passed"] == 0 and "states 4" in check["detail"]


def test_bad_files_are_recorded_not_fatal(tmp_path: Path, sites: list[Site]) -> None:
    site = sites[0].id
    archive_files(tmp_path, [(site, "http://127.0.0.1/empty.pdf", b""),
                             (site, "http://127.0.0.1/junk.pdf", b"%PDF-1.4\n\x00garbage" * 50),
                             (site, "http://127.0.0.1/zip.docx", b"PK\x03\x04" + b"\x00" * 100),
                             (site, "http://127.0.0.1/news.html",
                              "<html><body><p>新闻</p></body></html>".encode())])
    summary = load(tmp_path, sites)
    db = sqlite_utils.Database(tmp_path / "harvester.db")
    statuses = {r["url"].rsplit("/", 1)[1]: (r["parse_status"], r["errors"])
                for r in db["documents"].rows}
    assert summary.documents == 4 and db["reports"].count == 0
    for name in ("empty.pdf", "junk.pdf", "zip.docx"):
        status, errors = statuses[name]
        assert status in ("unreadable", "error") and json.loads(errors), name
    assert statuses["news.html"][0] == "not_report"


def test_a_text_source_is_preferred_to_an_ocr_reading_that_gives_as_much() -> None:
    facts = {"apply.new.total": 5, "apply.carried_over.total": 0}
    text = ParseResult(path="t", sha256="t", carrier="pdf", method="text-layer", facts=dict(facts))
    pictures = ParseResult(path="p", sha256="p", carrier="html", method="ocr", facts=dict(facts))
    richer = ParseResult(path="r", sha256="r", carrier="html", method="ocr",
                         facts={**facts, "carry_forward.total": 0})
    ranked = sorted([(pictures, "a"), (text, "b")], key=lambda pair: preference(*pair))
    assert [result.method for result, _ in ranked] == ["text-layer", "ocr"]
    ranked = sorted([(text, "b"), (richer, "c")], key=lambda pair: preference(*pair))
    assert ranked[0][0] is richer  # more facts wins over the way they were read
