"""`harvester export`: CSV read back equals the database; BOM on request; datapackage fields."""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from harvester.schema import KEYS


@pytest.fixture(scope="module", params=[False, True], ids=["utf8", "bom"])
def exported(request, loaded_archive: Path, tmp_path_factory) -> tuple[Path, bool]:
    out = tmp_path_factory.mktemp("export")
    args = [sys.executable, "-m", "harvester", "export", "--archive", str(loaded_archive),
            "--out", str(out)] + (["--bom"] if request.param else [])
    subprocess.run(args, check=True, capture_output=True)
    return out, request.param


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def as_text(value) -> str:
    return "" if value is None else str(value)


def test_bom_only_when_asked(exported) -> None:
    out, bom = exported
    for path in out.glob("*.csv"):
        assert path.read_bytes().startswith(b"\xef\xbb\xbf") == bom, path.name


def test_long_panel_equals_the_facts_table(exported, loaded_archive: Path) -> None:
    out, _ = exported
    conn = sqlite3.connect(loaded_archive / "harvester.db")
    facts = {(r, k): (as_text(v), as_text(raw), agency, as_text(year)) for r, k, v, raw, agency, year
             in conn.execute("SELECT f.report_id, f.key, f.value, f.raw, r.agency, r.year"
                             " FROM facts f JOIN reports r ON r.id = f.report_id")}
    panel = {(r["report_id"], r["key"]): (r["value"], r["raw"], r["agency"], r["year"])
             for r in read_csv(out / "panel_long.csv")}
    assert panel == facts


def test_wide_panels_equal_the_views(exported, loaded_archive: Path) -> None:
    out, _ = exported
    conn = sqlite3.connect(loaded_archive / "harvester.db")
    conn.row_factory = sqlite3.Row
    for table in ("table2", "table3", "table4"):
        view = [{k: as_text(row[k]) for k in row.keys()}
                for row in conn.execute(f"SELECT * FROM {table}_wide")]
        assert read_csv(out / f"{table}_wide.csv") == view


def test_codebook_and_datapackage_describe_every_column(exported) -> None:
    out, bom = exported
    codebook = read_csv(out / "codebook.csv")
    assert [r["key"] for r in codebook] == list(KEYS)
    assert all(r["description"] and r["unit"] for r in codebook)
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert {r["path"] for r in package["resources"]} == {p.name for p in out.glob("*.csv")}
    for resource in package["resources"]:
        assert resource["encoding"] == ("utf-8-sig" if bom else "utf-8")
        header = next(csv.reader(open(out / resource["path"], encoding="utf-8-sig")))
        fields = resource["schema"]["fields"]
        assert [f["name"] for f in fields] == header
        assert fields and all(f.get("description") for f in fields), resource["name"]
        assert all(f["type"] == "number" for f in fields if f["name"] in KEYS)


def test_datapackage_is_valid_for_frictionless(exported) -> None:
    from frictionless import validate

    out, _ = exported
    report = validate(out / "datapackage.json")
    assert report.valid, report.flatten(["type", "note"])[:10]
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert package["version"] and package["licenses"][0]["name"] == "CC-BY-4.0"
    assert all(r["profile"] == "tabular-data-resource" for r in package["resources"])
    panel = next(r for r in package["resources"] if r["name"] == "panel-long")
    references = {fk["reference"]["resource"] for fk in panel["schema"]["foreignKeys"]}
    assert references == {"reports", "codebook"}


def test_identifiers_are_text_in_every_schema(exported) -> None:
    out, _ = exported
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    ids = [f for r in package["resources"] for f in r["schema"]["fields"]
           if f["name"] in ("id", "report_id", "agency_id", "source_document", "source_sha256")]
    assert ids and all(f["type"] == "string" for f in ids)


def test_long_panel_carries_label_unit_raw_and_review(exported, loaded_archive: Path) -> None:
    out, _ = exported
    conn = sqlite3.connect(loaded_archive / "harvester.db")
    wanted = {(r, k): (label, as_text(unit), as_text(raw), as_text(review), as_text(reading))
              for r, k, label, unit, raw, review, reading in conn.execute(
                  "SELECT f.report_id, f.key, c.label, f.unit, f.raw, f.review, f.reading"
                  " FROM facts f JOIN codebook c ON c.key = f.key")}
    panel = {(r["report_id"], r["key"]): (r["label"], r["unit"], r["raw"], r["review"], r["reading"])
             for r in read_csv(out / "panel_long.csv")}
    assert wanted and panel == wanted
