"""`harvester load --cluster` for real: a Dask scheduler and three parse-worker processes parse the
demo archive plus OCR variants; one worker is SIGKILLed (with everything it started) while it has
a job in flight, and every document still ends parsed exactly once, as a local load parses it."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dask
import psutil
import pytest
from distributed import Client

from harvester.archive.store import BlobStore
from harvester.cluster.local import start_scheduler, start_workers
from harvester.cluster.submit import ClusterParsing
from harvester.crawl.runner import LOOPBACK_SETTINGS, crawl
from harvester.db.load import load
from harvester.db.sources import recorded_sites
from harvester.parse import PARSER_VERSION
from harvester.parse.ocr.engine import models_loaded
from harvester.registry import DEMO_REGISTRY, REGISTRY
from publish.helpers import REPORTS, archive_files

# OCR variants added to the crawled demo archive (whose 图片版 page is OCR'd too): report pages as
# image files, one page each (a page costs seconds of OCR; one job is one worker's, page after page).
OCR_VARIANTS = ["000_c6cf585c495c9a5f/000_c6cf585c495c9a5f.page2.png",
                "004_e0759db8c8ae201d/004_e0759db8c8ae201d.page2.png"]
TEXT_REPORT = "000_c6cf585c495c9a5f/000_c6cf585c495c9a5f.html"
JOB_PREFIX = f"harvester-{PARSER_VERSION}-"
HOUSEKEEPING = ("distributed.worker.profile.enabled", "distributed.admin.tick.interval",
                "distributed.admin.system-monitor.interval", "distributed.worker.memory.monitor-interval")


def run_load(root: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harvester", "load", "--archive", str(root), *options],
                          capture_output=True, text=True, timeout=240)


def tables(path: Path) -> dict[str, list[tuple]]:
    """Every table's rows, sorted (row order is the only thing allowed to differ)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        names = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {name: sorted(conn.execute(f"SELECT * FROM [{name}]").fetchall(), key=repr) for name in names}


def parsed_documents(root: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(f"file:{root / 'harvester.db'}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT id, sha256, parse_status FROM documents").fetchall()


def archived_documents(root: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(f"file:{root / 'archive.db'}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT url, sha256 FROM documents").fetchall()


@pytest.fixture(scope="module")
def demo_archive(tmp_path_factory: pytest.TempPathFactory, portal) -> Path:
    """The demo's crawl of the replica portal (a 图片版 page among its reports), plus OCR variants;
    not loaded."""
    root = tmp_path_factory.mktemp("demo") / "archive"
    summary = crawl(registry=DEMO_REGISTRY, portal=portal.url, archive=root, settings=LOOPBACK_SETTINGS,
                    timeout=240)
    assert summary["returncode"] == 0 and summary["status"] == "finished", summary
    archive_files(root, [("demo-trs", f"http://127.0.0.1/ocr/{Path(name).name}", (REPORTS / name).read_bytes())
                         for name in OCR_VARIANTS], run_id="ocr-variants")
    return root


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[str, Client]]:
    """A scheduler on 127.0.0.1 and a client of it; workers are the test's to start."""
    scheduler, address = start_scheduler(tmp_path)
    client = Client(address, set_as_default=False)
    yield address, client
    client.close()
    scheduler.terminate()
    scheduler.wait(timeout=30)


def stop(process: subprocess.Popen) -> None:
    """Kill a worker group started in a session of its own, and reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


def kill_machine(process: subprocess.Popen) -> None:
    """SIGKILL a parse-workers process and everything it started (its parse children have process
    groups of their own), as if its machine died."""
    tree = [process.pid, *(child.pid for child in psutil.Process(process.pid).children(recursive=True))]
    for pid in tree:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=30)


def job_in_flight(client: Client, names: dict[str, str], loading: subprocess.Popen,
                  timeout: float = 180) -> tuple[str, list[str]]:
    """Block until some worker is processing a parse job: (its name, the jobs it holds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert loading.poll() is None, loading.communicate()[0]
        for address, keys in client.processing().items():
            jobs = [key for key in keys if str(key).startswith(JOB_PREFIX)]
            if jobs and address in names:
                return names[address], jobs
        time.sleep(0.05)
    raise AssertionError("no worker ever had a parse job in flight")


def worker_names(client: Client) -> dict[str, str]:
    return {address: info["name"] for address, info in client.scheduler_info()["workers"].items()}


def test_a_worker_that_cannot_see_the_archive_stops_the_load_recording_nothing(
        cluster: tuple[str, Client], tmp_path: Path) -> None:
    address, client = cluster
    root = tmp_path / "archive"
    archive_files(root, [("demo-trs", "http://127.0.0.1/r.html", (REPORTS / TEXT_REPORT).read_bytes())])
    worker = start_workers(address, tmp_path / "elsewhere", 1, "blind", tmp_path)
    try:
        client.wait_for_workers(1, timeout=180)
        result = run_load(root, "--cluster", address, "--registry", str(REGISTRY))
    finally:
        stop(worker)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "has no blob" in result.stderr and str(tmp_path / "elsewhere" / "blobs") in result.stderr, result.stderr
    with sqlite3.connect(root / "parse_cache.db") as conn:
        assert conn.execute("SELECT count(*) FROM parses").fetchone()[0] == 0, "nothing recorded as parsed"


def test_job_sets_go_through_the_callers_client_which_stays_connected(
        cluster: tuple[str, Client], tmp_path: Path) -> None:
    """A caller holding a client (the cluster benchmark, timing jobs and not the connection) sends
    job set after job set through it; it is the caller's to close."""
    address, client = cluster
    root = tmp_path / "archive"
    html = (REPORTS / TEXT_REPORT).read_bytes()
    shas = [BlobStore(root).put(html + f"\n<!-- copy {n} -->\n".encode()) for n in range(2)]
    worker = start_workers(address, root, 1, "w", tmp_path)
    try:
        client.wait_for_workers(1, timeout=180)
        parsing = ClusterParsing(address, client=client)
        results = [*parsing.blobs(root, shas[:1]), *parsing.blobs(root, shas[1:])]
    finally:
        stop(worker)
    assert [result.sha256 for result in results] == shas
    assert [result.kind for result in results] == ["report", "report"], [r.errors for r in results]
    assert client.status == "running"


def test_a_parse_worker_joins_with_the_parse_stack_loaded_and_keeps_its_housekeeping_quiet(
        cluster: tuple[str, Client], tmp_path: Path) -> None:
    """Its first job does not pay the imports (~1 CPU s): they happen as the worker starts. Dask's
    profiler and monitors, which took an idle worker 6.7 % of a core, run seldom or not at all."""
    address, client = cluster
    worker = start_workers(address, tmp_path, 1, "w", tmp_path)
    try:
        client.wait_for_workers(1, timeout=180)
        loaded = client.run(lambda: [name for name in ("harvester.cluster.jobs", "harvester.parse.ocr.page")
                                     if name in sys.modules])
        housekeeping = client.run(lambda: [dask.config.get(key) for key in HOUSEKEEPING])
    finally:
        stop(worker)
    assert list(loaded.values()) == [["harvester.cluster.jobs", "harvester.parse.ocr.page"]]
    assert list(housekeeping.values()) == [[False, "1s", "5s", "1s"]]


def test_the_scheduler_starts_with_the_jobs_module_imported_and_no_model(cluster: tuple[str, Client]) -> None:
    """It unpickles every job it is sent: the first job naming the jobs' module waited ~0.4 s while the
    scheduler imported it. It preloads that module, and loads none of the OCR models a worker does."""
    _, client = cluster
    imported, models = client.run_on_scheduler(lambda: ("harvester.cluster.jobs" in sys.modules, models_loaded()))
    assert (imported, models) == (True, False)


# Seconds of OCR a page; under a load average of 20 on 2 cores it ran past the suite's 300 s.
@pytest.mark.timeout(900)
def test_a_cluster_with_a_worker_killed_parses_every_document_once_as_a_local_load(
        demo_archive: Path, cluster: tuple[str, Client], tmp_path: Path) -> None:
    address, client = cluster
    root, local = tmp_path / "cluster-archive", tmp_path / "local-archive"
    shutil.copytree(demo_archive, root)
    shutil.copytree(demo_archive, local)
    workers = {f"w{n}": start_workers(address, root, 1, f"w{n}", tmp_path) for n in range(3)}
    try:
        client.wait_for_workers(3, timeout=180)
        loading = subprocess.Popen([sys.executable, "-m", "harvester", "load", "--archive", str(root),
                                    "--cluster", address], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        victim, lost_jobs = job_in_flight(client, worker_names(client), loading)
        kill_machine(workers[victim])
        output, _ = loading.communicate(timeout=240)
    finally:
        for process in workers.values():
            stop(process)
    assert loading.returncode == 0, output

    archived = archived_documents(root)
    documents = parsed_documents(root)
    assert len(archived) >= 10 and len(documents) == len(archived) == len({doc_id for doc_id, _, _ in documents})
    assert not [doc for doc in documents if doc[2] == "error"], documents
    pages = picture_page_keys(root)
    assert pages, "the demo's 图片版 page was read with its pictures"
    assert {key.removeprefix(JOB_PREFIX).removesuffix("-read") for key in lost_jobs} <= {sha for _, sha, _ in documents} | pages
    # Each distinct file and each 图片版 page parsed once: none twice, none lost.
    assert f"parsed now: {len({sha for _, sha in archived}) + len(pages)}" in output, output

    load(local, recorded_sites(local))
    assert tables(root / "harvester.db") == tables(local / "harvester.db")


def picture_page_keys(root: Path) -> set[str]:
    """Parse cache keys other than archived files' digests: the 图片版 pages read with their pictures."""
    with sqlite3.connect(root / "parse_cache.db") as conn:
        keys = {key for (key,) in conn.execute("SELECT sha256 FROM parses")}
    return keys - {sha for _, sha in archived_documents(root)}


def test_workers_with_cluster_is_refused_as_a_usage_error(tmp_path: Path) -> None:
    """--workers sizes the local pool; with --cluster the parse workers are sized where they run."""
    root = tmp_path / "archive"
    archive_files(root, [("demo-trs", "http://127.0.0.1/r.html", (REPORTS / TEXT_REPORT).read_bytes())])
    result = run_load(root, "--cluster", "tcp://127.0.0.1:9", "--workers", "3", "--registry", str(REGISTRY))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "--workers" in result.stderr and "parse-workers" in result.stderr and "Traceback" not in result.stderr
    assert not (root / "harvester.db").exists()
