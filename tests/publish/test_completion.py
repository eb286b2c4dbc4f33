"""Reports whose files do not name their agency or year: completed at load from the link text
they were found under and from the registry, or named as unpublished with the reason."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils

from harvester.registry import REGISTRY, Site
from publish.helpers import REPORTS, archive_files, expected

sys.path.insert(0, str(REPORTS.parent))
from cms_pages import Page, cms_page  # noqa: E402

ANONYMOUS = {"metadata": "none", "signature": False}  # the file names no agency anywhere


def seed_page(seed: str, **page: object) -> bytes:
    """The seed as a CMS page; its title names the seed's year unless told otherwise."""
    return cms_page(REPORTS / seed / f"{seed}.txt",
                    Page("某某局", expected(seed)["year"], **{**ANONYMOUS, **page}))


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory, sites: list[Site]):
    """An archive of report pages naming no agency, on an aggregating and on an own site,
    loaded by `harvester load`; yields (root, printed summary, own site)."""
    city = next(s for s in sites if s.aggregates)
    own = next(s for s in sites if not s.aggregates)
    root = tmp_path_factory.mktemp("completion")
    base = "http://127.0.0.1/xxgk"
    page = {"kind": "report_page"}
    archive_files(root, [
        (city.id, f"{base}/a.html", seed_page("003_fd5e2081a75f95e0"),
         {**page, "link_text": "沈阳市民政局2019年政府信息公开工作年度报告"}),
        # An attachment under a link saying nothing, on a page whose link names the agency.
        (city.id, f"{base}/b.html", "<html><body><p>详见附件。</p></body></html>".encode(),
         {**page, "link_text": "沈阳市教育局2020年政府信息公开工作年度报告"}),
        (city.id, f"{base}/b.htm", seed_page("001_1fe2932832f48954"),
         {"kind": "attachment", "link_text": "附件下载", "referer": f"{base}/b.html"}),
        (own.id, f"{base}/c.html", seed_page("002_7f2f36b97c6d827f"),
         {**page, "link_text": "年度报告全文"}),
        (city.id, f"{base}/f.html", seed_page("003_fd5e2081a75f95e0", titles_name_year=False),
         {**page, "link_text": "沈阳市财政局2021年政府信息公开工作年度报告"}),
        # Unpublishable: no agency on a site listing many agencies; no year anywhere.
        (city.id, f"{base}/d.html", seed_page("000_c6cf585c495c9a5f"),
         {**page, "link_text": "2019年度政府信息公开工作年度报告"}),
        (own.id, f"{base}/e.html", seed_page("004_e0759db8c8ae201d", titles_name_year=False),
         {**page, "link_text": "政府信息公开工作年度报告"}),
    ])
    run = subprocess.run([sys.executable, "-m", "harvester", "load", "--archive", str(root), "--registry", str(REGISTRY),
                          "--workers", "1"], capture_output=True, text=True, check=True)
    return root, run.stdout, own


def test_what_the_file_does_not_say_comes_from_link_text_and_registry(loaded) -> None:
    root, _, own = loaded
    db = sqlite_utils.Database(root / "harvester.db")
    reports = {(r["agency"], r["year"]): (r["agency_source"], r["year_source"], r["n_facts"],
                                          r["source_url"].rsplit("/", 1)[1])
               for r in db["reports"].rows}
    assert reports == {
        ("沈阳市民政局", 2019): ("link_text", "title", len(expected("003_fd5e2081a75f95e0")["facts"]), "a.html"),
        ("沈阳市教育局", 2020): ("link_text", "title", len(expected("001_1fe2932832f48954")["facts"]), "b.htm"),
        (own.agency, 2020): ("registry", "title", len(expected("002_7f2f36b97c6d827f")["facts"]), "c.html"),
        ("沈阳市财政局", 2021): ("link_text", "link_text", len(expected("003_fd5e2081a75f95e0")["facts"]), "f.html"),
    }


def test_every_report_document_is_published_or_named_with_its_reason(loaded) -> None:
    root, printed, _ = loaded
    db = sqlite_utils.Database(root / "harvester.db")
    report_documents = list(db.query(
        "SELECT url, problem, (SELECT count(*) FROM report_documents l WHERE l.document_id = d.id)"
        " AS published FROM documents d WHERE parse_status IN ('report', 'no_year')"))
    assert len(report_documents) == 7 - 1  # b.html says "see the attachment": not a report
    for document in report_documents:
        assert (document["published"] == 1) != (document["problem"] is not None), document
    problems = {d["url"].rsplit("/", 1)[1]: d["problem"] for d in report_documents if d["problem"]}
    assert problems == {"d.html": "no_agency", "e.html": "no_year"}
    assert "report documents not published: 2 (no_agency 1, no_year 1" in printed
    for name, problem in problems.items():
        assert f"/xxgk/{name}: {problem}" in printed
    assert f"reports: {db['reports'].count} " in printed
