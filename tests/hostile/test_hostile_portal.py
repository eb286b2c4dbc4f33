"""The real discovery spider against a hostile portal on loopback (tests/hostile/hostile_portal.py):
the crawl ends as it should (on its own, or at --max-pages), every request the server saw ends as
exactly one fetch-log row with its outcome, nothing off the site is asked (the second server sees
nothing), the crawl's memory stays bounded, and what the archive held before is intact."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_portal import HOSTILE_LINKS, ODD_LINKS, HostilePortal

from harvester.archive import Archive
from harvester.crawl.runner import LOOPBACK_SETTINGS, crawl

MAX_BYTES = 16 * 1024 * 1024  # below the gzip bomb's 64 MB
SETTINGS = {**LOOPBACK_SETTINGS, "DOWNLOAD_TIMEOUT": "4", "DOWNLOAD_MAXSIZE": str(MAX_BYTES),
            "DOWNLOAD_WARNSIZE": str(MAX_BYTES), "RETRY_TIMES": "1"}
MAX_RSS_MB = 600  # a Scrapy crawl of a small site takes ~150 MB; 50,000 links or a bomb must not add GBs
TRAP_PAGES = 120

# Log lines of a crash in the spider or a signal handler (a failed download is logged as an error too: not one).
CRASHES = ("Spider error processing", "spider_exceptions/", "Error caught on signal handler", "Unhandled error")
# Run in a child of its own: RUSAGE_CHILDREN is then the crawl process tree's alone.
MEASURED_CRAWL = """
import json, resource, sys
from harvester.crawl.runner import crawl
CRASHES = {crashes!r}
problems = []
summary = crawl(on_line=lambda line: problems.append(line) if any(crash in line for crash in CRASHES) else None,
                **json.loads(sys.argv[1]))
summary.update(maxrss_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024, problems=problems)
print(json.dumps(summary))
"""


def measured_crawl(**options) -> dict:
    """harvester's crawl runner in a fresh process: its summary, the crawl's peak RSS and its logged errors."""
    script = MEASURED_CRAWL.format(crashes=CRASHES)
    done = subprocess.run([sys.executable, "-c", script, json.dumps(options)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def rows(archive: Path, run_id: str) -> list[dict]:
    with sqlite3.connect(f"file:{archive / 'archive.db'}?mode=ro", uri=True) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute("SELECT * FROM fetches WHERE run_id = ? ORDER BY id", (run_id,))]


def snapshot(archive: Path) -> tuple[list[tuple], dict[str, bytes]]:
    with sqlite3.connect(f"file:{archive / 'archive.db'}?mode=ro", uri=True) as conn:
        fetched = conn.execute("SELECT * FROM fetches ORDER BY id").fetchall()
    return fetched, {str(path): path.read_bytes() for path in sorted((archive / "blobs").rglob("*")) if path.is_file()}


def unaccounted(base: str, seen: list[str], fetched: list[dict]) -> tuple[list[str], list[str]]:
    """(URLs the server was asked for that no row accounts for, URLs with more than one row)."""
    accounted = {row["url"] for row in fetched} | {row["final_url"] for row in fetched}
    accounted |= {hop for row in fetched for hop in json.loads(row["redirects"] or "[]")}
    missing = sorted({base + path for path in seen} - accounted)
    return missing, sorted(url for url, n in Counter(row["url"] for row in fetched).items() if n > 1)


@pytest.fixture(scope="module")
def probes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Two crawls of the hostile portal into one archive: its hostile column (which must finish on its
    own), then its traps (which must stop at --max-pages); what each saw and left."""
    archive = tmp_path_factory.mktemp("archive")
    with HostilePortal(trap="http://127.0.0.1:9", robots="plain") as trap, HostilePortal(trap.url) as portal:
        hostile = measured_crawl(url=f"{portal.url}/col/index.html", archive=str(archive), settings=SETTINGS,
                                 timeout=300)
        hostile_seen, before = list(portal.seen), snapshot(archive)
        portal.seen.clear()
        portal.robots = "timeout"  # the traps' crawl finds a robots.txt that never ends
        traps = measured_crawl(url=f"{portal.url}/traps/index.html", archive=str(archive), settings=SETTINGS,
                               timeout=300, max_pages=TRAP_PAGES)
        yield {"archive": archive, "base": portal.url, "trap": trap.url, "trap_seen": list(trap.seen), "before": before,
               "hostile": (hostile, hostile_seen), "traps": (traps, list(portal.seen))}


def test_the_hostile_column_is_crawled_to_its_end_without_a_crash(probes: dict) -> None:
    summary, seen = probes["hostile"]
    assert summary["returncode"] == 0 and summary["status"] == "finished" and not summary["timed_out"], summary
    assert summary["problems"] == [], summary["problems"]
    asked = set(seen)
    assert set(HOSTILE_LINKS) <= asked  # every hostile answer was met
    *odd, too_long = ODD_LINKS
    assert {link.split("#")[0].replace(" ", "%20") for link in odd} <= asked
    base, fetched = probes["base"], rows(probes["archive"], summary["run_id"])
    [refused] = [row for row in fetched if row["url"] == base + too_long]
    assert refused["outcome"] == "error" and "characters over 2083: not sent" in refused["error"], refused


def test_every_request_is_exactly_one_fetch_log_row(probes: dict) -> None:
    for name in ("hostile", "traps"):
        summary, seen = probes[name]
        fetched = rows(probes["archive"], summary["run_id"])
        assert fetched and seen
        assert unaccounted(probes["base"], seen, fetched) == ([], []), name
        assert all(row["outcome"] for row in fetched)


def test_each_hostile_answer_has_its_outcome(probes: dict) -> None:
    summary, _ = probes["hostile"]
    base = probes["base"]
    by_url = {row["url"]: row for row in rows(probes["archive"], summary["run_id"])}
    outcome = {path: (by_url[base + path]["outcome"], by_url[base + path]["error"] or "") for path in HOSTILE_LINKS}
    assert outcome["/col/good.html"][0] == "new"
    for path in ("/col/drip.html", "/col/reset.pdf", "/col/cl-long.pdf", "/col/bad-chunks.html",
                 "/col/huge-header.html", "/col/not-modified.html"):
        assert outcome[path][0] == "error", (path, outcome[path])
    assert "headers were complete: a header line over 16384 bytes" in outcome["/col/huge-header.html"][1]
    assert outcome["/col/bomb.html"][0] == outcome["/col/bomb.pdf"][0] == "too_large"
    assert outcome["/col/off-port.html"] == ("error", f"off-scope redirect not followed: {probes['trap']}/stolen.html")
    for path in ("/col/chain/0.pdf", "/col/loop-a.html", "/col/off-port.html", "/col/to-file.pdf",
                 "/col/to-data.html", "/col/to-javascript.html"):
        assert outcome[path][0] == "error" and "not followed" in outcome[path][1], (path, outcome[path])
    assert outcome["/col/error-page.pdf"][0] in ("soft404", "blocked", "error"), outcome["/col/error-page.pdf"]
    documents = {row["url"] for row in by_url.values() if row["kind"] in ("report_page", "attachment")
                 and row["outcome"] == "new"}
    assert base + "/col/error-page.pdf" not in documents  # an error page is no report


def test_the_traps_stop_at_max_pages(probes: dict) -> None:
    summary, seen = probes["traps"]
    assert summary["returncode"] == 0 and summary["status"] == "closespider_pagecount", summary
    assert not summary["timed_out"] and summary["problems"] == [], summary
    assert TRAP_PAGES <= len(seen) < TRAP_PAGES + 50  # what was in flight at the limit, no more


def test_nothing_off_the_site_is_asked(probes: dict) -> None:
    assert probes["trap_seen"] == []


def test_the_crawls_memory_stays_bounded(probes: dict) -> None:
    for name in ("hostile", "traps"):
        assert 0 < probes[name][0]["maxrss_mb"] < MAX_RSS_MB, (name, probes[name][0]["maxrss_mb"])


def test_what_was_archived_before_is_intact(probes: dict) -> None:
    fetched, blobs = probes["before"]
    after_rows, after_blobs = snapshot(probes["archive"])
    assert fetched and blobs
    assert after_rows[:len(fetched)] == fetched
    assert {path: after_blobs.get(path) for path in blobs} == blobs
    report = Archive(probes["archive"]).verify()
    assert report.ok, report.problems


def robots_rows(fetched: list[dict]) -> list[tuple[str, str]]:
    return [(row["outcome"], row["error"] or "") for row in fetched if row["kind"] == "robots"]


def test_a_huge_and_a_silent_robots_txt_are_each_one_row(probes: dict) -> None:
    [(outcome, _)] = robots_rows(rows(probes["archive"], probes["hostile"][0]["run_id"]))
    assert outcome == "new"  # 200,000 lines, read: the crawl went on (above)
    [(outcome, error)] = robots_rows(rows(probes["archive"], probes["traps"][0]["run_id"]))
    assert outcome == "error" and "took longer than 4.0 seconds" in error


@pytest.mark.parametrize(("robots", "outcome"), [("binary", "new"), ("html", "soft404"), ("500", "error")])
def test_a_broken_robots_txt_is_logged_and_the_crawl_goes_on(robots: str, outcome: str, tmp_path: Path) -> None:
    with HostilePortal(trap="http://127.0.0.1:9", robots=robots) as portal:
        summary = crawl(url=f"{portal.url}/small/index.html", archive=tmp_path, settings=SETTINGS, timeout=120)
        seen = list(portal.seen)
    assert summary["returncode"] == 0 and summary["status"] == "finished", summary
    fetched = rows(tmp_path, summary["run_id"])
    assert unaccounted(portal.url, seen, fetched) == ([], [])
    assert [logged for logged, _ in robots_rows(fetched)] == [outcome]  # an HTML error page is a soft 404
    assert [row["outcome"] for row in fetched if row["url"] == f"{portal.url}/col/good.html"] == ["new"]


@pytest.mark.parametrize("max_pages", [2, 6, 10])
def test_a_hostile_column_stopped_at_max_pages_leaves_every_request_one_row(max_pages: int, tmp_path: Path) -> None:
    """Retries on, stopped at several points of the hostile column: what the stop left (retries of resets
    and timeouts, links not yet asked) is one `not_fetched` row each, what the server saw one row each."""
    with HostilePortal(trap="http://127.0.0.1:9", robots="plain") as portal:
        summary = crawl(url=f"{portal.url}/col/index.html", archive=tmp_path, settings=SETTINGS, timeout=300,
                        max_pages=max_pages)
        seen = list(portal.seen)
    assert summary["returncode"] == 0 and summary["status"] == "closespider_pagecount", summary
    fetched = rows(tmp_path, summary["run_id"])
    assert unaccounted(portal.url, seen, fetched) == ([], [])
    left = [row for row in fetched if row["outcome"] == "not_fetched"]
    assert left and all(row["error"].startswith("not fetched: the crawl stopped (closespider_pagecount)")
                        for row in left)
