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

from dataclasses import dataclass, replace

from harvester.parse.interpret.checks import run_checks
from harvester.parse.interpret.mapping import Facts, map_facts
from harvester.parse.model import Check, Extract

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
    if key not in facts.facts:
        mine_across = [c for c in mine if c.name.startswith(ACROSS_ROWS)]
        return bool(mine_across) and all(check.passed for check in mine)
    return bool(mine) and all(check.passed for check in mine)


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
    for key in sorted(set().union(*(o.facts for o in others)) | set(first.facts)):
        found = [first] * (key in first.facts) + [o for o in others if _printed_in(o, key)]
        if not found:
            continue
        values = {r.facts[key] for r in found}
        if len(found) >= 2 and len(values) == 1:
            out.status[key] = "agreed"
            first.where[key] = {**first.where[key], "readings": [r.method for r in found]}
        elif len(found) == 1 and key in first.facts:
            out.status[key] = _one_reading(first, key)
        else:
            winners = [r for r in found if _holds_with(first, key, r)]
            if len({r.facts[key] for r in winners}) == 1:
                _take(first, key, winners[0])
                first.where[key] = {**first.where[key], "settled_by": "arithmetic",
                                    "readings": [r.method for r in winners]}
                out.status[key] = "settled"
            elif key in first.facts:
                out.status[key] = "flagged"
                out.notes.append(f"{key}: readings disagree ({_printed(found, key)}); "
                                 f"kept {first.raw[key]!r}, no identity settles it")
            else:
                out.notes.append(f"{key}: only the {found[0].method} reading found "
                                 f"{found[0].raw[key]!r}; not kept, no identity confirms it")


def _printed_in(reading: Facts, key: str) -> bool:
    """True when a second reading found a word in the cell: a blank it placed there only says
    it found none, which is no evidence against the first reading."""
    return key in reading.facts and reading.raw[key] != ""


def _one_reading(facts: Facts, key: str) -> str:
    """The status of a cell only one reading found: read by OCR, or by the carrier alone."""
    method = facts.where[key].get("method") or facts.method
    return "ocr" if method in OCR_METHODS else "single"


def _printed(found: list[Facts], key: str) -> str:
    return ", ".join(f"{r.method} {r.raw[key]!r}" for r in found)


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
    others = [map_facts(replace(extract, blocks=blocks, method=name))
              for name, blocks in extract.readings.items()]
    out = Reconciled(first, {}, [])
    if others:
        _settle(first, others, out)
        _confirm(first, out.status, {k for k, s in out.status.items() if s == "agreed"})
        return out
    out.status = {key: _one_reading(first, key) for key in first.facts}
    if extract.carrier in MARKUP_CARRIERS:
        _confirm(first, out.status, set(first.facts))
    return out
