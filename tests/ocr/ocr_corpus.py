"""The OCR fixture corpus: seeds, variants, golden facts, and each file parsed once per session."""

from __future__ import annotations

import functools
import json
import multiprocessing
from pathlib import Path

from harvester.parse import parse_bytes
from harvester.parse.model import ParseResult

REPORTS = Path(__file__).resolve().parent.parent / "fixtures" / "reports"
# Two halves, each golden-tested in a file of its own (a parallel test run gives a file to a worker).
SCAN_VARIANTS = ("scan", "rotated", "unruled")
DAMAGED_VARIANTS = ("noisy", "badfont")


def child_answer(method: str, target, *args):
    """What a child started by `method` sends back from `target(*args, send)`."""
    receive, send = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context(method).Process(target=target, args=(*args, send))
    child.start()
    send.close()
    assert receive.poll(240), "the child answered nothing"
    answer = receive.recv()
    child.join(30)
    return answer


def seeds() -> list[str]:
    return sorted(d.name for d in REPORTS.iterdir() if (d / f"{d.name}.scan.pdf").exists())


def fixture_path(seed: str, suffix: str) -> Path:
    return REPORTS / seed / f"{seed}.{suffix}"


def golden(seed: str) -> dict:
    return json.loads((REPORTS / seed / "expected.json").read_text(encoding="utf-8"))


@functools.cache
def parsed(seed: str, suffix: str) -> ParseResult:
    """A fixture parsed once per session (OCR is slow; tests only read the result)."""
    path = fixture_path(seed, suffix)
    return parse_bytes(path.read_bytes(), path.name)


def assert_golden_facts(seed: str, variant: str) -> None:
    """The seed's `variant` PDF, read by OCR, gives exactly its golden facts."""
    expected = golden(seed)
    result = parsed(seed, f"{variant}.pdf")
    facts = expected["facts"]
    right = sum(1 for key, value in facts.items() if result.facts.get(key, "<missing>") == value)
    print(f"{seed}.{variant}: per-cell accuracy {right}/{len(facts)} = {right / len(facts):.1%}")
    wrong = {k: (result.facts.get(k, "<missing>"), v) for k, v in facts.items()
             if result.facts.get(k, "<missing>") != v}
    assert not wrong, f"{len(wrong)} cells differ (got, expected): {dict(list(wrong.items())[:10])}"
    assert not set(result.facts) - set(facts)
    assert (result.template, result.year, result.agency) == (
        expected["template"], expected["year"], expected["agency"])
    assert result.method == "ocr"
    judged = [note for note in result.page_notes if note["signals"]["chars"] or note["signals"]["image_share"]]
    assert judged and all(note["decision"] == "ocr" for note in judged)
