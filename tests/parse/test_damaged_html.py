"""HTML pages as bad luck serves them: stray NUL bytes (a browser shows the page), and a page
cut short (read up to the cut, and the result says it was cut)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harvester.parse import parse_bytes
from harvester.parse.interpret.mapping import TABLE4_KEYS

REPORTS = Path(__file__).resolve().parent.parent / "fixtures" / "reports"
SEEDS = sorted(p for p in REPORTS.iterdir() if (p / f"{p.name}.html").is_file())


def seed_page(seed: Path) -> bytes:
    return (seed / f"{seed.name}.html").read_bytes()


@pytest.mark.parametrize("seed", SEEDS[:2], ids=lambda p: p.name)
def test_a_page_laced_with_nul_bytes_reads_as_the_clean_page(seed: Path) -> None:
    clean = parse_bytes(seed_page(seed), "clean.html")
    laced = parse_bytes(seed_page(seed).replace(b"<td", b"\x00<td"), "laced.html")
    assert clean.kind == "report" and len(clean.facts) > 100
    assert (laced.kind, laced.facts, laced.agency, laced.year) == (
        clean.kind, clean.facts, clean.agency, clean.year)


@pytest.mark.parametrize("share", [0.4, 0.6])
def test_a_page_cut_short_says_so_and_keeps_only_printed_values(share: float) -> None:
    page = seed_page(SEEDS[0])
    clean = parse_bytes(page, "clean.html")
    cut = parse_bytes(page[: int(len(page) * share)], "cut.html")
    assert any("cut short" in error for error in cut.errors), cut.errors
    assert cut.facts and len(cut.facts) < len(clean.facts)
    assert {k: v for k, v in cut.facts.items() if clean.facts.get(k) != v} == {}


def test_a_whole_page_is_not_called_cut() -> None:
    result = parse_bytes(seed_page(SEEDS[0]), "whole.html")
    assert result.facts and not any("cut short" in error for error in result.errors)


NEED_CREATION = "result.unable.need_creation"
RIGHT_OF_FIRST = ("commercial", "research", "public_interest", "legal_service", "other", "total")


def page_with_need_creation_row(first: str, *after: str) -> bytes:
    """The first seed's page with its 需要另行制作 row printed as `first`, 2, 3, 4, 5, 6, 21, then
    the cells `after`."""
    page = seed_page(SEEDS[0]).decode("utf-8")
    row = "<tr><td>2.没有现成信息需要另行制作</td>" + "<td>0</td>" * 7 + "</tr>"
    assert row in page
    printed = [first, "2", "3", "4", "5", "6", "21", *after]
    return page.replace(row, "<tr><td>2.没有现成信息需要另行制作</td>"
                        + "".join(f"<td>{v}</td>" for v in printed) + "</tr>").encode("utf-8")


def test_a_cell_printed_with_a_letter_for_a_digit_shifts_no_value_into_another_column() -> None:
    """A real portal's page where one count reads 'I1': the six counts right of it keep their
    own columns, and the unreadable one is named in the errors, not guessed."""
    result = parse_bytes(page_with_need_creation_row("I1"), "garbled.html")
    assert f"{NEED_CREATION}.natural_person" not in result.facts
    assert [result.facts[f"{NEED_CREATION}.{c}"] for c in RIGHT_OF_FIRST] == [2, 3, 4, 5, 6, 21]
    assert any("'I1'" in e and f"{NEED_CREATION}.natural_person" in e for e in result.errors), result.errors


@pytest.mark.parametrize("first", ["见附注", "5（注）", "5万"])
def test_a_note_in_the_first_count_cell_shifts_no_value_into_another_column(first: str) -> None:
    """Words where the first count belongs read as part of the row's label, so the row has one
    count too few; the counts it has end in the table's last column, so they are its last six."""
    result = parse_bytes(page_with_need_creation_row(first), "noted.html")
    assert f"{NEED_CREATION}.natural_person" not in result.facts
    assert [result.facts[f"{NEED_CREATION}.{c}"] for c in RIGHT_OF_FIRST] == [2, 3, 4, 5, 6, 21]
    assert any(f"{NEED_CREATION}: 6 of 7" in e for e in result.errors), result.errors


def test_a_note_after_a_rows_counts_keeps_them_and_is_named() -> None:
    """A cell of words after a row's seven counts ("见说明", a remark column some agencies add) is a
    note: the counts stand in their columns (before: the note was taken for the row's label and
    all seven facts were lost, with no error), and the note is named in the errors."""
    result = parse_bytes(page_with_need_creation_row("1", "见说明"), "remark.html")
    assert [result.facts[f"{NEED_CREATION}.{c}"] for c in ("natural_person", *RIGHT_OF_FIRST)] == [
        1, 2, 3, 4, 5, 6, 21]
    assert any(NEED_CREATION in e and "'见说明'" in e for e in result.errors), result.errors


@pytest.mark.parametrize("where", [0, 2, 14])
@pytest.mark.parametrize("words", ["见附注", "5（注）", "I1"])
def test_words_in_a_table4_count_cell_lose_only_that_count(words: str, where: int) -> None:
    """Table 4 prints its 15 counts in one row: words in one of its cells (a note) leave that
    count unread and named in the errors; the other 14 keep their own keys (before: all 15 lost,
    with no error)."""
    page = seed_page(SEEDS[1]).decode("utf-8")
    row = "<tr>" + "<td>0</td>" * 15 + "</tr>"
    assert page.count(row) == 1
    printed = [str(n) for n in range(1, 16)]
    printed[where] = words
    result = parse_bytes(page.replace(row, "<tr>" + "".join(f"<td>{v}</td>" for v in printed)
                                      + "</tr>").encode("utf-8"), "noted.html")
    table4 = {k: v for k, v in result.facts.items() if k.startswith(("review.", "litigation."))}
    expected = {key: n for n, key in enumerate(TABLE4_KEYS, start=1) if n != where + 1}
    assert table4 == expected
    assert any(TABLE4_KEYS[where] in e for e in result.errors), result.errors
