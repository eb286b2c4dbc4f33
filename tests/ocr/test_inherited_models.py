"""Models loaded before a fork serve the child: it reads a page as a process that loads its own."""

from __future__ import annotations

from harvester.parse.ocr import engine
from harvester.parse.ocr.page import read_page
from harvester.parse.ocr.render import PageSource

from ocr_corpus import child_answer, fixture_path, seeds


def _read_second_page(send) -> None:
    loaded_before = engine.models_loaded()
    source = PageSource("pdf", fixture_path(seeds()[0], "scan.pdf").read_bytes())
    blocks, note = read_page(source.load(1), 2, 1)
    send.send((loaded_before, note["loaded_models"], [repr(block) for block in blocks]))


def _load_then_read(send) -> None:
    """Load the models, then read the page in a grandchild forked from here."""
    engine.load_models()
    send.send(child_answer("fork", _read_second_page))


def test_a_child_forked_after_loading_reads_as_a_fresh_process() -> None:
    inherited, inherited_loading, inherited_blocks = child_answer("spawn", _load_then_read)
    fresh, fresh_loading, fresh_blocks = child_answer("spawn", _read_second_page)  # a new interpreter
    assert (inherited, fresh) == (True, False)
    # The page's note says whether its read loaded the models (its seconds include ~1.5 s then).
    assert (inherited_loading, fresh_loading) == (False, True)
    assert inherited_blocks and inherited_blocks == fresh_blocks
