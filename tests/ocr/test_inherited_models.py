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
    blocks, note = read_page(source.load(1), 2, 1)
    send.send((loaded_before, note["loaded_models"], [repr(block) for block in blocks]))


def _in_child(method: str, target) -> tuple[bool, bool, list[str]]:
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
    inherited, inherited_loading, inherited_blocks = _in_child("spawn", _load_then_read)
    fresh, fresh_loading, fresh_blocks = _in_child("spawn", _read_second_page)  # a new interpreter
    assert (inherited, fresh) == (True, False)
    # The page's note says whether its read loaded the models (its seconds include ~1.5 s then).
    assert (inherited_loading, fresh_loading) == (False, True)
    assert inherited_blocks and inherited_blocks == fresh_blocks


