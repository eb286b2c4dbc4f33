"""Every cell read twice, independently, and reconciled with the report's own arithmetic.

The carrier's first reading (`Extract.blocks`) and its independent second readings
(`Extract.readings`, e.g. PDF words placed without ruling lines) are mapped alike. Per cell:
two readings that agree make the value *agreed*, and *verified* when every identity it takes
part in holds. Readings that disagree are settled by arithmetic: the one candidate with
which every identity the cell takes part in holds wins. Nothing is ever computed: a value
is always one that a reading found printed, and one no identity settles is kept as the
first reading read it and flagged. Carriers whose markup states every cell (HTML, DOCX,
DOC) have one reading; their cells are verified when an identity confirms them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from harvester.parse.interpret.checks import run_checks
from harvester.parse.interpret.mapping import Facts, map_facts
from harvester.parse.interpret.narrative import NARRATIVE_PREFIX
from harvester.parse.model import Check, Extract, ParseResult

MARKUP_CARRIERS = ("html", "docx", "doc")
OCR_METHODS = ("ocr",)
ACROSS_ROWS = ("table3.balance.", "table3.results_sum.")  # identities that tie rows together


@dataclass
class Reconciled:
    """The facts kept, how each was established, and what the comparison found."""

    facts: Facts
    status: dict[str, str]
    notes: list[str]


def _identities(checks: list[Check]) -> dict[str, list[Check]]:
    """Each key -> the computable identities it takes part in."""
    by_key: dict[str, list[Check]] = {}
    for check in checks:
        if check.passed is not None:
            for key in check.keys:
                by_key.setdefault(key, []).append(check)
    return by_key


def _holds_with(facts: Facts, key: str, candidate: Facts) -> bool:
    """True when, with the candidate's value for key, every computable identity of key holds
    and one applies; a cell the first reading missed needs one across rows (a row of zeros
    sums to its zero total whatever row it really is)."""
    trial = {**facts.facts, key: candidate.facts[key]}
    mine = _identities(run_checks(trial)).get(key, [])
    needed = mine if key in facts.facts else [c for c in mine if c.name.startswith(ACROSS_ROWS)]
    return bool(needed) and all(check.passed for check in mine)


def _take(into: Facts, key: str, source: Facts) -> None:
    """Copy one cell, with its printed text, unit and position, from a reading."""
    into.facts[key] = source.facts[key]
    into.raw[key] = source.raw[key]
    into.where[key] = source.where[key]
    if key in source.units:
        into.units[key] = source.units[key]
    else:
        into.units.pop(key, None)


def _settle(first: Facts, others: list[Facts], out: Reconciled) -> None:
    """Decide every cell the readings disagree on, or that only a second reading found."""
    disputed: dict[str, list[Facts]] = {}
    for key in sorted(set().union(*(o.facts for o in others)) | set(first.facts)):
        found = [first] * (key in first.facts) + [o for o in others if _printed_in(o, key, first)]
        if len({r.facts[key] for r in found}) == 1 and len(found) >= 2:
            out.status[key] = "agreed"
            first.where[key] = {**first.where[key], "readings": [r.method for r in found]}
        elif len(found) == 1 and key in first.facts:
            out.status[key] = _one_reading(first, key)
        elif found:
            disputed[key] = found
    # Settling one cell can complete the identity that settles the next: repeat while it does.
    while settled := [key for key in sorted(disputed)
                      if _by_arithmetic(first, key, disputed[key], out)]:
        for key in settled:
            del disputed[key]
    for key, found in disputed.items():
        _undecided(first, key, found, out)


def _by_arithmetic(first: Facts, key: str, found: list[Facts], out: Reconciled) -> bool:
    """Keep the value with which the identities hold, when exactly one of the values the
    readings found makes them hold; False leaves the cell disputed."""
    winners = [r for r in found if _holds_with(first, key, r)]
    if len({r.facts[key] for r in winners}) != 1:
        return False
    _take(first, key, winners[0])
    first.where[key] = {**first.where[key], "settled_by": "arithmetic",
                        "readings": [r.method for r in winners]}
    out.status[key] = "settled"
    return True


def _undecided(first: Facts, key: str, found: list[Facts], out: Reconciled) -> None:
    """No identity settles the cell: the value most readings agree on (only when two or more
    do), else the first reading's, flagged; a cell only a second reading found is left out."""
    counts = Counter(r.facts[key] for r in found)
    (value, votes), *rest = counts.most_common()
    if votes >= 2 and all(n < votes for _, n in rest):
        backers = [r for r in found if r.facts[key] == value]
        _take(first, key, backers[0])
        first.where[key] = {**first.where[key], "readings": [r.method for r in backers],
                            "dissent": [r.method for r in found if r.facts[key] != value]}
        out.status[key] = "agreed"
        out.notes.append(f"{key}: readings disagree ({_printed(found, key)}); kept the "
                         f"value {len(backers)} of them read, no identity settles it")
    elif key in first.facts:
        out.status[key] = "flagged"
        out.notes.append(f"{key}: readings disagree ({_printed(found, key)}); "
                         f"kept {first.raw[key]!r}, no identity settles it")
    else:
        out.notes.append(f"{key}: only the {found[0].method} reading found "
                         f"{found[0].raw[key]!r}; not kept, no identity confirms it")


def _printed_in(reading: Facts, key: str, first: Facts) -> bool:
    """True when a second reading has evidence on the cell: a word, or a blank where the first
    reading saw a blank too (a blank it placed under a printed number only says it found no
    word there, which is no evidence against the first reading)."""
    return key in reading.facts and (reading.raw[key] != "" or first.raw.get(key) == "")


def _one_reading(facts: Facts, key: str) -> str:
    """The status of a cell only one reading found: read by OCR, or by the carrier alone."""
    method = facts.where[key].get("method") or facts.method
    return "ocr" if method in OCR_METHODS else "single"


def _printed(found: list[Facts], key: str) -> str:
    return ", ".join(f"{r.method} {r.raw[key]!r}" for r in found)


def _own_cells(reading: Facts, pages: list[int] | None) -> Facts:
    """A partial reading's cells on the pages it really read (the rest are the first
    reading's blocks carried along, no evidence of their own)."""
    if pages is None:
        return reading
    for key in [k for k, where in reading.where.items() if where.get("page") not in pages]:
        for part in (reading.facts, reading.raw, reading.where, reading.units):
            part.pop(key, None)
    return reading


def disputed_pages(result: ParseResult, limit: int) -> list[int]:
    """The pages (at most `limit`, most disputed first) of text-layer cells the readings left
    flagged or that take part in a failed table identity: where a third reading is worth its
    cost (prose that contradicts a table is the report's own disagreement, not a misreading)."""
    failed = {key for check in result.checks if check.passed is False
              and not check.name.startswith(NARRATIVE_PREFIX) for key in check.keys}
    pages = Counter(where["page"] for key, where in result.where.items()
                    if (result.cell_status.get(key) == "flagged" or key in failed)
                    and where.get("page") and where.get("method") not in OCR_METHODS)
    return sorted(page for page, _ in pages.most_common(limit))


def _confirm(facts: Facts, status: dict[str, str], confirmable: set[str]) -> None:
    """Promote cells to verified when every identity they take part in holds."""
    identities = _identities(run_checks(facts.facts))
    for key in confirmable:
        mine = identities.get(key, [])
        if all(check.passed for check in mine) and (mine or status[key] == "agreed"):
            status[key] = "verified"


def reconcile(extract: Extract) -> Reconciled:
    """The facts of every reading of the extract, compared and settled cell by cell."""
    first = map_facts(extract)
    others = [_own_cells(map_facts(replace(extract, blocks=blocks, method=name)),
                         extract.reading_pages.get(name))
              for name, blocks in extract.readings.items()]
    out = Reconciled(first, {}, [])
    if others:
        _settle(first, others, out)
        _confirm(first, out.status, {k for k, s in out.status.items()
                                     if s == "agreed" and "dissent" not in first.where[k]})
        return out
    out.status = {key: _one_reading(first, key) for key in first.facts}
    if extract.carrier in MARKUP_CARRIERS:
        _confirm(first, out.status, set(first.facts))
    return out
