"""Every seed report, in every carrier the fixture builder made, gives exactly the golden facts."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from harvester.parse import parse_file as parse_uncached
from harvester.portal.reports import TEXT_CARRIERS

REPORTS = Path(__file__).resolve().parent.parent / "fixtures" / "reports"


def report_files() -> list[Path]:
    """Every seed in every text carrier (OCR variants have their own tests in tests/ocr)."""
    return sorted(path for seed in REPORTS.iterdir() for carrier in TEXT_CARRIERS
                  if (path := seed / f"{seed.name}.{carrier}").is_file())


@functools.cache
def parse_file(path: Path):
    """Each fixture is parsed once per session; the tests below only read the result."""
    return parse_uncached(path)


def golden(path: Path) -> dict:
    return json.loads((path.parent / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", report_files(), ids=lambda p: p.name)
def test_every_carrier_gives_the_golden_facts(path: Path) -> None:
    expected = golden(path)
    result = parse_file(path)
    assert result.kind == "report", result.errors
    if path.suffix == ".txt":  # cells the seed text itself lost (see the golden file's note)
        for key in expected.get("lost_in_text", []):
            expected["facts"].pop(key)
    wrong = {k: (result.facts.get(k, "<missing>"), v) for k, v in expected["facts"].items()
             if result.facts.get(k, "<missing>") != v}
    extra = sorted(set(result.facts) - set(expected["facts"]))
    assert not wrong, f"{len(wrong)} cells differ (got, expected): {dict(list(wrong.items())[:10])}"
    assert not extra, f"facts not in the report: {extra[:10]}"
    assert result.units == expected["units"]
    assert (result.template, result.year, result.agency) == (
        expected["template"], expected["year"], expected["agency"])


@pytest.mark.parametrize("path", report_files(), ids=lambda p: p.name)
def test_every_fact_says_where_it_was_printed(path: Path) -> None:
    result = parse_file(path)
    assert set(result.where) == set(result.facts) == set(result.raw)
    for key, where in result.where.items():
        assert {"table", "row", "col", "method"} <= set(where), key
        if result.carrier in ("pdf",):
            assert where["page"] >= 1, key


@pytest.mark.parametrize("path", report_files(), ids=lambda p: p.name)
def test_checks_cover_every_identity_and_the_seeds_add_up(path: Path) -> None:
    result = parse_file(path)
    names = {c.name for c in result.checks}
    columns = ["natural_person", "commercial", "research", "public_interest", "legal_service",
               "other", "total"]
    assert {f"table3.balance.{c}" for c in columns} <= names
    assert {f"table3.results_sum.{c}" for c in columns} <= names
    assert {f"table4.group_sum.{g}" for g in ("review", "litigation.direct",
                                                "litigation.after_review")} <= names
    assert [c for c in result.checks if not c.passed] == []


@pytest.mark.parametrize("seed", sorted(p.name for p in REPORTS.iterdir() if p.is_dir()))
def test_sections_are_cut_at_the_six_headings(seed: str) -> None:
    result = parse_uncached(REPORTS / seed / f"{seed}.txt")
    assert list(result.sections) == ["1", "2", "3", "4", "5", "6"]
    assert result.sections["1"] and result.sections["5"]


def test_cli_prints_one_json_line_per_file() -> None:
    seed = sorted(p.name for p in REPORTS.iterdir() if p.is_dir())[-1]
    files = [f for f in report_files() if f.parent.name == seed]
    run = subprocess.run([sys.executable, "-m", "harvester", "parse", "--json", *map(str, files)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [line["path"] for line in lines] == [str(f) for f in files]
    for line, path in zip(lines, files):
        assert line["facts"].items() <= golden(path)["facts"].items()
        assert set(line) >= {"path", "sha256", "carrier", "template", "agency", "year", "facts",
                             "raw", "where", "sections", "checks", "errors"}


def test_cli_exit_status_is_non_zero_only_for_unreadable_files(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"\x00\x01\x02garbage" * 100)
    good = report_files()[0]
    ok = subprocess.run([sys.executable, "-m", "harvester", "parse", str(good)],
                        capture_output=True, text=True, timeout=120)
    bad = subprocess.run([sys.executable, "-m", "harvester", "parse", "--json", str(junk)],
                         capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["kind"] == "unreadable"


@pytest.mark.parametrize("seed", sorted(p.name for p in REPORTS.iterdir() if p.is_dir()))
def test_every_seed_exists_in_every_carrier(seed: str) -> None:
    made = {p.name.removeprefix(seed) for p in (REPORTS / seed).iterdir()}
    assert {".txt", ".html", ".gbk.html", ".docx", ".doc", ".pdf", "expected.json"} <= made


@pytest.mark.parametrize("seed", sorted(p.name for p in REPORTS.iterdir() if p.is_dir()))
def test_a_gbk_encoded_text_report_reads_the_same(seed: str, tmp_path: Path) -> None:
    text = (REPORTS / seed / f"{seed}.txt").read_text(encoding="utf-8")
    gbk = tmp_path / "report.txt"
    gbk.write_bytes(text.encode("gb18030"))
    assert parse_uncached(gbk).facts == parse_file(REPORTS / seed / f"{seed}.txt").facts
