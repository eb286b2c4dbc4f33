"""CSV datasets from the published database, with a codebook and a Frictionless datapackage.json.

Files (UTF-8; with `bom=True`, UTF-8 with a byte-order mark so Excel reads Chinese):
- panel_long.csv: agency x year x metric, one row per fact (key, Chinese label, value, unit,
  printed text, money in the codebook's unit and the unit it was converted from, review flag,
  how it was read);
- table2_wide.csv, table3_wide.csv, table4_wide.csv: one row per report, one column per key;
- reports.csv, agencies.csv: the report and agency tables;
- codebook.csv: every key with its label, description and unit;
- datapackage.json: a Frictionless tabular data package: a Table Schema (field names, types,
  descriptions, primary and foreign keys) for each file, the data licence and the version;
- on request, harvester.xlsx (the same datasets as sheets, ids as text: harvester.xlsx_export)
  and archive.wacz (the WARC files for ReplayWeb.page: harvester.wacz_export).

A spreadsheet reads ids (16-hex document ids) as numbers now and then and LibreOffice takes a
CSV without a BOM for another encoding: open the workbook, or choose UTF-8 and "text" for the
id columns in the import dialog (the datapackage types every id as a string).
"""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path
from typing import Any

from harvester import __version__
from harvester.config import Layout
from harvester.db.wide import REPORT_COLUMNS, WIDE_TABLES
from harvester.db.datasette import build_metadata
from harvester.db.lookups import open_read_only
from harvester.schema import KEYS

PANEL_SQL = f"""
SELECT {", ".join(f"r.{c}" for c in REPORT_COLUMNS)}, f.report_id, f.table_name, f.key,
       c.label, f.value, f.unit, f.raw, f.normalised, f.normalised_from, f.review, f.method,
       f.verified, f.reading,
       r.source_url, r.source_sha256
FROM facts f JOIN reports r ON r.id = f.report_id LEFT JOIN codebook c ON c.key = f.key
ORDER BY r.agency_id, r.year, f.report_id, f.table_name, f.key
"""

# file name (without .csv) -> (SQL, primary key)
DATASETS: dict[str, tuple[str, list[str]]] = {
    "panel_long": (PANEL_SQL, ["report_id", "key"]),
    **{f"{t}_wide": (f"SELECT * FROM {t}_wide", ["report_id"]) for t in WIDE_TABLES},
    "reports": ("SELECT * FROM reports ORDER BY id", ["id"]),
    "agencies": ("SELECT * FROM agencies ORDER BY id", ["id"]),
    "codebook": ("SELECT * FROM codebook ORDER BY rowid", ["key"]),
}

# file name -> (column, referenced file, its column): checked by Frictionless.
FOREIGN_KEYS: dict[str, list[tuple[str, str, str]]] = {
    "panel_long": [("report_id", "reports", "id"), ("key", "codebook", "key")],
    **{f"{t}_wide": [("report_id", "reports", "id")] for t in WIDE_TABLES},
    "reports": [("agency_id", "agencies", "id")],
}
LICENSE = {"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0 International",
           "path": "https://creativecommons.org/licenses/by/4.0/"}

_FIELD_TYPES = {"INTEGER": "integer", "REAL": "number", "FLOAT": "number", "ANY": "number"}


class ExportError(Exception):
    """The export cannot run (no database, no WARC files, an invalid WACZ)."""


def open_published(root: Path) -> sqlite3.Connection:
    """The published database, read-only; ExportError when there is none yet."""
    path = Layout(root).published
    if not path.exists():
        raise ExportError(f"no {path.name} under {root}: run `harvester load` first")
    return open_read_only(path)


def export_workbook(root: Path, out: Path) -> Path:
    """Write the datasets as `out`/harvester.xlsx."""
    from harvester.xlsx_export import write_workbook  # openpyxl: loaded only when asked for

    conn = open_published(root)
    out.mkdir(parents=True, exist_ok=True)
    try:
        return write_workbook(conn, {name: sql for name, (sql, _) in DATASETS.items()}, out)
    finally:
        conn.close()


def export_wacz(root: Path, out: Path) -> Path:
    """Write the archive's WARC files as `out`/archive.wacz, validated."""
    from harvester.wacz_export import WaczError, write_wacz  # py-wacz: loaded only when asked for

    out.mkdir(parents=True, exist_ok=True)
    try:
        return write_wacz(root, out)
    except WaczError as error:
        raise ExportError(str(error)) from error


def export(root: Path, out: Path, bom: bool = False) -> dict[str, int]:
    """Write every dataset under `out`; return rows written per file."""
    conn = open_published(root)
    out.mkdir(parents=True, exist_ok=True)
    encoding = "utf-8-sig" if bom else "utf-8"
    counts, resources = {}, []
    try:
        descriptions = _column_descriptions()
        declared = _declared_types(conn)
        for name, (sql, primary_key) in DATASETS.items():
            cursor = conn.execute(sql)
            columns = [d[0] for d in cursor.description]
            with open(out / f"{name}.csv", "w", encoding=encoding, newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(columns)
                counts[name] = 0
                for row in cursor:
                    writer.writerow(row)
                    counts[name] += 1
            types = {c: "number" if c in KEYS else declared.get(c, "string") for c in columns}
            resources.append(_resource(name, encoding, columns, types, primary_key, descriptions))
    finally:
        conn.close()
    package = {"name": "harvester-annual-reports", "title": "政府信息公开工作年度报告 facts",
               "profile": "tabular-data-package", "version": __version__,
               "description": "Compiled by harvester from the reports, which are public"
                              " government information; see DATA_LICENSE.md and CITATION.cff.",
               "resources": resources, "licenses": [LICENSE]}
    (out / "datapackage.json").write_text(
        json.dumps(package, ensure_ascii=False, indent=1), encoding="utf-8")
    return counts


def _declared_types(conn: sqlite3.Connection) -> dict[str, str]:
    """Column name -> Table Schema type, from the tables' declared SQLite types."""
    declared: dict[str, str] = {}
    for table in ("reports", "agencies", "facts", "codebook"):
        for _, column, kind, *_ in conn.execute(f"PRAGMA table_info({table})"):
            declared.setdefault(column, _FIELD_TYPES.get(kind, "string"))
    return declared


def _column_descriptions() -> dict[str, str]:
    """Column name -> description, from the served metadata (which includes the codebook)."""
    descriptions: dict[str, str] = {}
    for table in build_metadata()["databases"]["harvester"]["tables"].values():
        for column, text in (table.get("columns") or {}).items():
            descriptions.setdefault(column, text)
    return descriptions


def _resource(name: str, encoding: str, columns: list[str], types: dict[str, str],
              primary_key: list[str], descriptions: dict[str, str]) -> dict[str, Any]:
    """One datapackage resource with its Table Schema."""
    fields = [{"name": c, "type": types[c], **({"description": descriptions[c]}
                                                if c in descriptions else {})}
              for c in columns]
    foreign_keys = [{"fields": column, "reference": {"resource": _resource_name(other),
                                                      "fields": other_column}}
                    for column, other, other_column in FOREIGN_KEYS.get(name, [])]
    return {"name": _resource_name(name), "path": f"{name}.csv", "format": "csv",
            "profile": "tabular-data-resource", "mediatype": "text/csv", "encoding": encoding,
            "schema": {"fields": fields, "primaryKey": primary_key,
                       **({"foreignKeys": foreign_keys} if foreign_keys else {})}}


def _resource_name(name: str) -> str:
    return name.replace("_", "-")
