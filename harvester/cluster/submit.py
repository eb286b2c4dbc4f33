"""The load's side of the cluster: a Parsing that sends parse jobs to a Dask scheduler.

Each job is named by what it reads (`harvester-<parser version>-<digest>`), so the same file
submitted twice, by one load or two, is one job; results come back as they finish and the load
caches each at once, so a load killed midway resumes where it stopped. Dask re-runs the jobs of a
worker that dies; a job that kills worker after worker (distributed.scheduler.allowed-failures)
is recorded as a failed parse, as the local load records a parse that kills its child.

A file whose OCR would take one worker page after page is spread when the cluster has more than one
worker thread: its parse job answers with the pages to read (harvester.cluster.jobs), each page goes
out as a job of its own (`harvester-ocr-<digest>-<page>`), and once all are back the file is parsed
again (`harvester-<parser version>-<digest>-read`), every page found in the page cache.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distributed import Client, Future, as_completed
from distributed.scheduler import KilledWorker

from harvester.cluster import ClusterError
from harvester.cluster.jobs import parse_blob, parse_page, read_page
from harvester.db.isolation import failed_parse
from harvester.db.pictures import PicturePage
from harvester.parse import PARSER_VERSION
from harvester.parse.model import ParseResult
from harvester.parse.ocr.pool import PagesToRead

WORKERS_TIMEOUT_S = 300.0  # how long a load waits for the first parse worker to join
IN_FLIGHT_PER_THREAD = 4  # jobs queued per worker thread: workers never idle, the scheduler stays small
# Page jobs run before the parse jobs queued beside them, and a file's second parse before both: a
# scan's pages, once sent, are all read soon, and its result comes back as soon as they are. Among page
# jobs the inkiest (longest) go first, PAGE_PRIORITY plus the page's inked share (below 1): a long page
# read last keeps one worker busy while the others idle.
PAGE_PRIORITY, REREAD_PRIORITY = 1, 2


@dataclass
class ClusterParsing:
    """Parses on the Dask cluster whose scheduler is at `address` (e.g. tcp://10.0.0.5:8786).

    With `client` (a Client of that scheduler, which the caller closes) every job set goes through
    it; else each job set connects and closes a client of its own."""

    address: str
    workers_timeout_s: float = WORKERS_TIMEOUT_S
    client: Client | None = None

    def blobs(self, root: Path, shas: Sequence[str]) -> Iterator[ParseResult]:
        jobs = self._run(parse_blob, shas, key=lambda sha: sha,
                         failed=lambda sha, reason: failed_parse(sha, sha, reason), spread_ocr=True)
        return (result for _, result in jobs)

    def pages(self, root: Path, pages: Sequence[PicturePage]) -> Iterator[tuple[PicturePage, ParseResult]]:
        return self._run(parse_page, pages, key=lambda page: page.key,
                         failed=lambda page, reason: failed_parse(page.url, page.sha256, reason, "html"))

    def _run(self, job: Callable[..., Any], items: Sequence[Any], key: Callable[[Any], str],
             failed: Callable[[Any, str], ParseResult], spread_ocr: bool = False) -> Iterator[tuple[Any, ParseResult]]:
        """(item, result) for every item, as jobs finish; a bounded number in flight at a time. With
        `spread_ocr` (jobs of archived files), a file's OCR is spread over the workers (module docstring)."""
        if not items:
            return
        with self._session() as client:
            waiting, done = iter(items), as_completed(loop=client.loop)
            submitted: dict[str, tuple[Any, bool]] = {}  # job key -> (item, whether a page job)
            pages_left: dict[str, set[str]] = {}  # item's key -> the keys of its page jobs still out

            def send(function: Callable[..., Any], *args: Any, item: Any, name: str, page: bool = False,
                     priority: float = 0) -> None:
                future = client.submit(function, *args, key=name, pure=False, priority=priority)
                submitted[future.key] = (item, page)
                done.add(future)

            def top_up() -> None:
                """Submit jobs until the cluster's threads (workers come and go) have enough queued."""
                threads = max(1, sum(client.nthreads().values()))
                for item in waiting:
                    args = (item, threads > 1) if spread_ocr else (item,)
                    send(job, *args, item=item, name=f"harvester-{PARSER_VERSION}-{key(item)}")
                    if len(submitted) >= IN_FLIGHT_PER_THREAD * threads:
                        return

            top_up()
            for future in done:
                item, page = submitted.pop(future.key)
                if page:  # its file is parsed again once all its pages are back
                    _page_read(future)
                    left = pages_left[key(item)]
                    left.discard(future.key)
                    if not left:
                        del pages_left[key(item)]
                        send(job, item, False, item=item, name=f"harvester-{PARSER_VERSION}-{key(item)}-read",
                             priority=REREAD_PRIORITY)
                    continue
                result = _result(future, lambda reason: failed(item, reason))
                if isinstance(result, PagesToRead):
                    pages = {f"harvester-ocr-{key(item)}-{index}": (index, inked)
                             for index, inked in result.heaviest_first()}
                    pages_left[key(item)] = set(pages)
                    for name, (index, inked) in pages.items():  # sent heaviest first: idle workers take them in turn
                        send(read_page, key(item), result.kind, index, item=item, name=name, page=True,
                             priority=PAGE_PRIORITY + inked)
                    continue
                yield item, result
                top_up()

    def _session(self):
        """The caller's client (left open), or a client connected for this job set (closed after)."""
        return nullcontext(self.client) if self.client is not None else self._connect()

    def _connect(self) -> Client:
        """A client of the scheduler, once at least one worker has joined it."""
        try:
            client = Client(self.address, timeout="30s", set_as_default=False)
        except (OSError, TimeoutError) as error:
            raise ClusterError(f"cannot reach the Dask scheduler at {self.address}: {error}") from error
        try:
            client.wait_for_workers(1, timeout=self.workers_timeout_s)
        except TimeoutError as error:
            client.close()
            raise ClusterError(f"no parse worker joined {self.address} in {self.workers_timeout_s:g} s:"
                               f" start some with `harvester parse-workers {self.address}`") from error
        return client


def _page_read(future: Future) -> None:
    """Wait for a page job: its page is in the page cache now, or its file's parse reads it; a page job
    the cluster itself failed (a worker without the archive) stops the load."""
    try:
        future.result()
    except KilledWorker:
        pass  # the page killed every worker that read it: the file's parse, isolated, records why
    except Exception as error:  # noqa: BLE001 - the cluster's failure, not the page's
        raise ClusterError(f"page job {future.key} failed on the cluster: {type(error).__name__}: {error}") from error


def _result(future: Future, failed: Callable[[str], ParseResult]) -> ParseResult | PagesToRead:
    """A finished job's parse; the recorded failure of one that killed too many workers; else raise."""
    try:
        return future.result()
    except KilledWorker as error:
        return failed(f"parse job lost every worker that ran it ({error})")
    except Exception as error:  # noqa: BLE001 - a job's own failures are results; this is the cluster's
        raise ClusterError(f"parse job {future.key} failed on the cluster: {type(error).__name__}: {error}") from error
