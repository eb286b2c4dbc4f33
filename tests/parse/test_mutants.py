"""Damaged DOCX and HTML copies of the seed reports (tests/parse/mutants.py) through the parser: each
is a report, a non-report or an unreadable file with a reason, never an exception let out."""

from __future__ import annotations

import pytest
from mutants import corpus, outcome

COPIES = corpus((".docx", ".html", ".gbk.html"))


def test_the_corpus_damages_every_kind_of_file() -> None:
    assert len(COPIES) >= 5 * (2 * 9 + 12)


@pytest.mark.parametrize("copy", COPIES, ids=[name for name, _ in COPIES])
def test_a_damaged_copy_gives_a_clear_outcome(copy: tuple[str, bytes]) -> None:
    kind, first_error = outcome(copy)
    assert kind in ("report", "not_report", "unreadable"), first_error
    if kind == "unreadable":
        assert first_error and "Traceback" not in first_error
