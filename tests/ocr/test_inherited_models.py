"""Models loaded before a fork serve the child: it reads a page as a process that loads its own."""

from __future__ import annotations

import multiprocessing

from harvester.parse.ocr import engine
from harvester.parse.ocr.page import read_page
from harvester.parse.ocr.render import PageSource

from ocr_corpus import fixture_path, seeds


def _read_second_page(send) -> None:
    loaded_before = engine.models_loaded()
    source = PageSource("pdf", fixture_path(seeds()[0], "scan.pdf").read_bytes())
    blocks, _ = read_page(source.load(1), 2, 1)
    send.send((loaded_before, [repr(block) for block in blocks]))


def _in_child(method: str, target) -> tuple[bool, list[str]]:
    """What a child started by `method` sends back from `target`."""
    receive, send = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context(method).Process(target=target, args=(send,))
    child.start()
    send.close()
    assert receive.poll(240), "the child read nothing"
    outcome = receive.recv()
    child.join(30)
    return outcome


def _load_then_read(send) -> None:
    """Load the models, then read the page in a grandchild forked from here."""
    engine.load_models()
    send.send(_in_child("fork", _read_second_page))


def test_a_child_forked_after_loading_reads_as_a_fresh_process() -> None:
    inherited, inherited_blocks = _in_child("spawn", _load_then_read)
    fresh, fresh_blocks = _in_child("spawn", _read_second_page)  # a new interpreter: nothing loaded
    assert (inherited, fresh) == (True, False)
    assert inherited_blocks and inherited_blocks == fresh_blocks



def _read_two_pages(send) -> None:
    """Read two pages in this process; send whether each page's read loaded the models."""
    source = PageSource("pdf", fixture_path(seeds()[0], "scan.pdf").read_bytes())
    notes = [read_page(source.load(index), index + 1, 1)[1] for index in (0, 1)]
    send.send([note["loaded_models"] for note in notes])


def _load_then_read_two(send) -> None:
    engine.load_models()
    send.send(_in_child("fork", _read_two_pages))


def test_a_page_note_says_whether_reading_it_loaded_the_models() -> None:
    """Its seconds include ~1.5 s of loading then: the first page a fresh process reads, and no
    page of a process forked after the models were loaded."""
    assert _in_child("spawn", _read_two_pages) == [True, False]
    assert _in_child("spawn", _load_then_read_two) == [False, False]
