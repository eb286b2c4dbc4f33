"""A process forked after the OCR pool exists (a load's isolated parse worker) reads pages
with a pool of its own: the inherited one's processes and threads belong to the parent."""

from __future__ import annotations

import multiprocessing

from harvester.parse.ocr.pool import _WORKERS

from ocr_corpus import fixture_path, seeds


def _child_reads(path: str, out) -> None:
    from harvester.parse import parse_file
    out.send(len(parse_file(path).facts))


def test_a_forked_child_reads_with_its_own_pool() -> None:
    parent_pool = _WORKERS.get(1)  # the pool as a parse in this process left it
    path = str(fixture_path(seeds()[0], "scan.pdf"))
    receive, send = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(target=_child_reads, args=(path, send))
    child.start()
    try:
        assert receive.poll(240), "the child hung on its parent's pool"
        assert receive.recv() > 100
        child.join(30)
        assert child.exitcode == 0
    finally:
        child.kill()
    assert _WORKERS.pool is parent_pool  # the parent's pool is untouched
