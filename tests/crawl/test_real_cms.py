"""Crawl replicas of real CMS families (tests/crawl/real_cms.py, written apart from the spider) with
`harvester crawl --url`'s runner, into real archives, and check what the server saw and the archive kept."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from held import wait_until_alive

from harvester.crawl.families import LOOKAHEAD_PAGES
from harvester.crawl.runner import LOOPBACK_SETTINGS, crawl
from harvester.operate import workers
from real_cms import PDF, RealCms, clamping_pager_column, hanweb_column, platform_column, trs_column

DECOYS = ("召开2024年政府信息公开工作年度报告编制工作会议", "关于做好2024年度政府信息公开工作年度报告工作的通知",
          "2024年政府信息公开工作年度报告编制培训班举办")
HANWEB_REPORTS = {10: "某市科学技术局2024年度政府信息公开工作年度报告",
                  100: "某市科学技术局2022年度政府信息公开工作年度报告",
                  140: "某市科学技术局2020年度政府信息公开工作年度报告"}
DATAPROXY = "/module/web/jpage/dataproxy.jsp"
CRAWL_DELAY_1 = "User-agent: *\nCrawl-delay: 1\nDisallow: /admin/\n"
TOLERANCE_S = 0.15  # the server reads its clock once a request is accepted and parsed: under load
# a fresh connection (handshake) lands later than the next one, so a gap may look ~0.1 s shorter;
# the bug this guards against sent requests 0.6 ms apart


def query(archive: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(f"file:{archive / 'archive.db'}?mode=ro", uri=True) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def cms():
    server = RealCms()
    server.columns = {
        "hanweb": hanweb_column(server, 2771, 8871, total=150, reports=HANWEB_REPORTS),
        "hanweb-wrong": hanweb_column(server, 2880, 9901, total=60, reports={}, accepted_unitid=1234),
        "platform": platform_column(server, list(DECOYS)),
        "trs": trs_column(server),
        "trs-stale-count": trs_column(server, pages=3, folder="/wcm/nb/", declared=60),
        "clamping-pager": clamping_pager_column(server, pages=3),
    }
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def crawled(cms: RealCms, tmp_path_factory) -> dict[str, tuple[Path, dict]]:
    """Each column crawled once, as `harvester crawl --url COLUMN --loopback` does, into its own archive
    (the crawls at the same time: they share nothing but the server)."""
    archives = {family: tmp_path_factory.mktemp(family) for family in cms.columns}
    with ThreadPoolExecutor(len(archives)) as pool:
        summaries = {family: pool.submit(crawl, url=cms.columns[family], archive=archive,
                                         settings=LOOPBACK_SETTINGS, timeout=120)
                     for family, archive in archives.items()}
        return {family: (archives[family], summary.result()) for family, summary in summaries.items()}


def archived(archive: Path, url: str) -> list[tuple]:
    return query(archive, "SELECT kind, sha256, title FROM documents WHERE url = ?", url)


def list_pages_requested_once(cms: RealCms, run: tuple[Path, dict], folder: str) -> Path:
    """Assert the run finished having asked for each of the column's three list pages once; its archive."""
    archive, summary = run
    assert summary["status"] == "finished", summary
    for name in ("index.shtml", "index_1.shtml", "index_2.shtml"):
        assert len(cms.requested(folder + name)) == 1, name
    return archive


def test_hanweb_pages_every_batch_by_post_with_the_form_fields(cms: RealCms, crawled) -> None:
    archive, summary = crawled["hanweb"]
    assert summary["status"] == "finished", summary
    posts = [a for a in cms.arrivals if a.method == "POST" and "columnid=2771" in a.body]
    batches = sorted((int(q["startrecord"][0]), int(q["endrecord"][0]), int(q["perpage"][0]))
                     for q in (parse_qs(urlsplit(a.path).query) for a in posts))
    assert batches == [(46, 90, 15), (91, 135, 15), (136, 150, 15)]
    for post in posts:
        form = {k: v[0] for k, v in parse_qs(post.body).items()}
        assert form | {"webname": ""} == {"col": "1", "appid": "1", "webid": "33", "path": "/", "columnid": "2771",
                                          "sourceContentType": "1", "unitid": "8871", "permissiontype": "0",
                                          "webname": ""}, form
    found = [url for url in cms.reports if "/art_2771_" in url]
    assert len(found) == 3
    for url in found:
        assert [kind for kind, _, _ in archived(archive, url)] == ["report_page"], url


def test_hanweb_empty_datastore_is_recorded_not_taken_as_a_list(cms: RealCms, crawled) -> None:
    archive, summary = crawled["hanweb-wrong"]
    assert summary["status"] == "finished", summary
    rows = query(archive, "SELECT outcome, error FROM fetches WHERE method = 'POST' AND url LIKE ?", f"%{DATAPROXY}%")
    assert rows and all(outcome == "soft404" and "empty Hanweb datastore" in error for outcome, error in rows), rows


def test_platform_pager_301_and_download_endpoints(cms: RealCms, crawled) -> None:
    archive = list_pages_requested_once(cms, crawled["platform"], "/xxgk/zfxxgknb/")
    downloads = [url for url in cms.reports if "downfile.jsp" in url]
    assert len(downloads) == 2
    for url in downloads:
        [(kind, sha256, title)] = archived(archive, url)
        assert kind == "attachment" and sha256 == hashlib.sha256(PDF).hexdigest()
        assert title.endswith("年度报告.pdf"), title  # the file name from Content-Disposition filename*=


def test_cut_titles_are_read_from_title_and_decoys_are_left(cms: RealCms, crawled) -> None:
    archive, _ = crawled["platform"]
    pages = [url for url in cms.reports if "/xxgk/zfxxgknb/" in url]
    assert len(pages) == 3
    for url in pages:
        assert [kind for kind, _, _ in archived(archive, url)] == ["report_page"], url
    assert len(cms.decoys) == len(DECOYS)
    for url in cms.decoys:
        assert not cms.requested(urlsplit(url).path), url
        assert not archived(archive, url)


def test_an_interpretation_is_fetched_as_related_to_its_report_never_as_one(cms: RealCms, crawled) -> None:
    archive, _ = crawled["platform"]
    assert len(cms.related) == 1
    for url in cms.related:
        assert query(archive, "SELECT kind, outcome FROM fetches WHERE url = ?", url) == [("other", "new")]
        assert not archived(archive, url)  # no document: the load never reads it as a report


def test_trs_script_pager_and_gbk_meta_charset(cms: RealCms, crawled) -> None:
    archive = list_pages_requested_once(cms, crawled["trs"], "/trs/zfxxgknb/")
    reports = [url for url in cms.reports if "/trs/" in url]
    assert len(reports) == 3
    for number, url in enumerate(reports):
        assert [kind for kind, _, _ in archived(archive, url)] == ["report_page"], url
        [(link_text,)] = query(archive, "SELECT link_text FROM fetches WHERE url = ?", url)
        assert link_text == f"沈阳市科学技术局{2024 - number}年度政府信息公开工作年度报告"


def test_trs_paging_stops_at_the_stub_pages_past_a_stale_page_count(cms: RealCms, crawled) -> None:
    archive, summary = crawled["trs-stale-count"]
    assert summary["status"] == "finished", summary
    reports = [url for url in cms.reports if "/wcm/nb/" in url]
    assert len(reports) == 3 and all(archived(archive, url) for url in reports)
    listed = {a.path for a in cms.arrivals if a.path.startswith("/wcm/nb/index")}
    # past the last real page (index_2) at most the look-ahead is asked for, not the 60 the script claims
    assert "/wcm/nb/index_3.shtml" in listed and len(listed) <= 3 + LOOKAHEAD_PAGES < 60, sorted(listed)
    assert query(archive, "SELECT outcome FROM fetches WHERE url LIKE '%/wcm/nb/index_4.shtml'") == [("soft404",)]


def test_a_pager_without_end_stops_at_the_first_page_with_nothing_new(cms: RealCms, crawled) -> None:
    archive, summary = crawled["clamping-pager"]
    assert summary["status"] == "finished", summary
    reports = [url for url in cms.reports if "/jsp/nb/" in url]
    assert len(reports) == 3 and all(archived(archive, url) for url in reports)
    asked = sorted(a.path for a in cms.arrivals if a.path.startswith("/jsp/nb/list.jsp"))
    # page 4 answers page 3 again: nothing new, so its 下一页 is not followed
    assert asked == [f"/jsp/nb/list.jsp?page={n}" for n in range(1, 5)]


def gaps_between_arrivals(server: RealCms) -> list[float]:
    """Seconds between consecutive requests, by the server's clock (asserted to be more than a few)."""
    times = sorted(arrival.at for arrival in server.arrivals)
    assert len(times) >= 5  # robots.txt, list pages, reports
    return [later - earlier for earlier, later in zip(times, times[1:])]


def test_robots_crawl_delay_is_a_lower_bound_on_every_gap_of_a_crawl_and_its_recrawl(tmp_path: Path) -> None:
    server = RealCms(robots=CRAWL_DELAY_1).start()
    column = trs_column(server, pages=2)
    try:
        first = crawl(url=column, archive=tmp_path, settings=LOOPBACK_SETTINGS, timeout=120)
        # the recrawl's robots.txt is asked conditionally and answered 304: its delay still holds
        again = crawl(url=column, archive=tmp_path, settings=LOOPBACK_SETTINGS, timeout=120)
    finally:
        server.stop()
    assert first["status"] == again["status"] == "finished", (first, again)
    assert ("GET", "/robots.txt", 304) in server.answers
    assert min(gaps_between_arrivals(server)) >= 1 - TOLERANCE_S


def test_crawl_delay_counts_from_the_end_of_a_slow_answer(tmp_path: Path) -> None:
    """A server slow to answer (0.6 s of a 1 s Crawl-delay) is given the whole delay after its answer
    before the next request: the delay is a pause between fetches, as a loaded server needs it (and
    then no claim-to-wire latency of a loaded crawler can shorten a gap the server sees)."""
    server = RealCms(robots=CRAWL_DELAY_1)
    column = trs_column(server, pages=2)
    slow = urlsplit(column).path
    server.slow[slow] = 0.6
    server.start()
    try:
        summary = crawl(url=column, archive=tmp_path, settings=LOOPBACK_SETTINGS, timeout=120)
    finally:
        server.stop()
    assert summary["status"] == "finished", summary
    answered = server.answered[slow]
    after = [a.at - answered for a in server.arrivals if a.at > answered]
    assert after and min(after) >= 1 - TOLERANCE_S, sorted((a.at, a.path) for a in server.arrivals)


def test_crawl_delay_holds_across_two_crawl_processes_of_one_machine(tmp_path: Path) -> None:
    server = RealCms(robots=CRAWL_DELAY_1).start()
    first, second = trs_column(server, pages=3), trs_column(server, pages=3, folder="/wcm/nb/")
    # the first crawl's last list page waits for the second crawl's column: both crawl at once
    server.hold_until("/trs/zfxxgknb/index_2.shtml", "/wcm/nb/index.shtml")
    try:
        with ThreadPoolExecutor(2) as pool:  # two `harvester crawl` processes, one archive, no Redis
            summaries = list(pool.map(lambda url: crawl(url=url, archive=tmp_path, settings=LOOPBACK_SETTINGS,
                                                        timeout=180), (first, second)))
    finally:
        server.stop()
    assert [summary["status"] for summary in summaries] == ["finished", "finished"], summaries
    assert all(server.requested(urlsplit(url).path) for url in server.reports)  # both crawls did their work
    assert min(gaps_between_arrivals(server)) >= 1 - TOLERANCE_S, sorted((a.at, a.path) for a in server.arrivals)


def test_crawl_delay_holds_across_three_workers(tmp_path: Path) -> None:
    (tmp_path / "redis").mkdir()
    redis_server, redis_url = workers.start_local_redis(tmp_path / "redis")
    server = RealCms(robots=CRAWL_DELAY_1).start()
    column = trs_column(server, pages=6)
    crawl_run = workers.Crawl("delay", redis_url, tmp_path / "archive")
    try:
        # one request in hand per worker, so the shared frontier is shared out, not drained by the first
        started = [workers.start_worker(crawl_run, n, {**LOOPBACK_SETTINGS, "CONCURRENT_REQUESTS": "1"})
                   for n in range(3)]
        wait_until_alive(crawl_run, started)
        crawl_run.client().rpush(f"{crawl_run.prefix}:start_urls", json.dumps({"site": "trs", "url": column}))
        outcome = workers.wait(started, timeout=180)
    finally:
        server.stop()
        redis_server.terminate()
        redis_server.wait(timeout=10)
    assert not outcome.timed_out and set(outcome.returncodes.values()) == {0}, outcome
    with sqlite3.connect(tmp_path / "archive" / "archive.db") as conn:
        busy = conn.execute("SELECT count(DISTINCT run_id) FROM fetches WHERE kind != 'robots'").fetchone()[0]
    assert busy >= 2, [(a.at, a.path) for a in server.arrivals]  # more than one worker was at work
    assert min(gaps_between_arrivals(server)) >= 1 - TOLERANCE_S


def test_scrapy_crawl_lists_one_item_per_report_document(cms: RealCms, tmp_path: Path) -> None:
    items = tmp_path / "reports.jsonl"
    command = [sys.executable, "-m", "scrapy", "crawl", "discovery", "-a", f"url={cms.columns['platform']}",
               "-O", str(items), "-s", f"HARVESTER_ARCHIVE={tmp_path / 'archive'}"]
    command += [arg for name, value in LOOPBACK_SETTINGS.items() for arg in ("-s", f"{name}={value}")]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "harvester.crawl.settings"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    listed = [json.loads(line) for line in items.read_text(encoding="utf-8").splitlines()]
    expected = {url for url in cms.reports if "/xxgk/zfxxgknb/" in url or "downfile.jsp" in url}
    reports = [item for item in listed if item["kind"] != "related"]
    assert len(expected) == 5 and sorted(item["url"] for item in reports) == sorted(expected)
    assert {item["kind"] for item in reports if "downfile.jsp" in item["url"]} == {"attachment"}
    related = {item["url"]: item["report"] for item in listed if item["kind"] == "related"}
    assert related == cms.related  # the 图解 names the report it interprets
