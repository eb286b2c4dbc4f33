"""Money in one unit per key: a fact keeps the value and unit the agency printed, and carries its
value in the codebook's unit beside them with the unit it was converted from; the wide tables
and the export's wide panels hold the one unit."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import httpx

from harvester.db.build import open_db
from harvester.db.money import MONEY_UNITS
from publish.helpers import expected
from publish.test_datasette import report_id

PROCUREMENT = "active.procurement.amount"  # seed 002 prints 0.0436亿元
FEES = "active.fees.amount"  # seed 004 prints 0元 under a 万元 header


def rows(root: Path, sql: str, *params) -> list[tuple]:
    return sqlite3.connect(root / "harvester.db").execute(sql, params).fetchall()


def test_every_money_key_has_one_unit_in_the_codebook(loaded_archive: Path) -> None:
    units = rows(loaded_archive, "SELECT key, unit FROM codebook WHERE key LIKE '%.amount'")
    assert {key for key, _ in units} == {PROCUREMENT, FEES}
    assert {unit for _, unit in units} == {"万元"} and "万元" in MONEY_UNITS


def test_a_value_printed_in_another_unit_is_kept_and_converted_beside_it(loaded_archive: Path) -> None:
    rid = report_id(loaded_archive, "002_7f2f36b97c6d827f")
    [(value, unit, raw, normalised, converted_from)] = rows(
        loaded_archive, "SELECT value, unit, raw, normalised, normalised_from FROM facts"
                        " WHERE report_id = ? AND key = ?", rid, PROCUREMENT)
    assert (value, unit) == (expected("002_7f2f36b97c6d827f")["facts"][PROCUREMENT], "亿元")
    assert "亿元" in raw and normalised == 436 and converted_from == "亿元"
    rid_fees = report_id(loaded_archive, "004_e0759db8c8ae201d")
    assert rows(loaded_archive, "SELECT value, unit, normalised, normalised_from FROM facts"
                                " WHERE report_id = ? AND key = ?", rid_fees, FEES) == [(0, "元", 0, "元")]


def test_no_money_fact_is_left_without_its_value_in_the_codebook_unit(loaded_archive: Path) -> None:
    money = rows(loaded_archive, "SELECT value, normalised, normalised_from, unit FROM facts"
                                 " WHERE key IN (?, ?)", PROCUREMENT, FEES)
    assert money
    for value, normalised, converted_from, unit in money:
        if unit is None:  # neither the cell nor the template's header prints a unit
            assert converted_from == "unstated" and normalised == (0 if value == 0 else None)
        else:
            assert (normalised is None) == (value is None)
            assert converted_from == (None if unit == "万元" else unit)
    others = rows(loaded_archive, "SELECT count(*) FROM facts WHERE key NOT IN (?, ?)"
                                  " AND normalised IS NOT NULL", PROCUREMENT, FEES)
    assert others == [(0,)]


def test_wide_tables_hold_money_in_the_codebook_unit(server: str, loaded_archive: Path) -> None:
    rid = report_id(loaded_archive, "002_7f2f36b97c6d827f")
    [row] = httpx.get(f"{server}/harvester/table2_wide.json", timeout=30,
                      params={"report_id": rid, "_shape": "array"}).json()
    assert row[PROCUREMENT] == 436


def test_a_database_built_before_the_money_columns_gets_them(loaded_archive: Path, tmp_path: Path) -> None:
    shutil.copy(loaded_archive / "harvester.db", tmp_path / "harvester.db")
    conn = sqlite3.connect(tmp_path / "harvester.db")
    for column in ("normalised", "normalised_from"):
        conn.execute(f"ALTER TABLE facts DROP COLUMN {column}")
    # As an older harvester wrote them: the printed value in the wide table.
    conn.execute(f"UPDATE table2_wide SET [{PROCUREMENT}] = 0.0436")
    conn.commit()
    conn.close()
    open_db(tmp_path).close()
    rid = report_id(loaded_archive, "002_7f2f36b97c6d827f")
    assert rows(tmp_path, "SELECT normalised, normalised_from FROM facts WHERE report_id = ? AND key = ?",
                rid, PROCUREMENT) == [(436, "亿元")]
    assert rows(tmp_path, f"SELECT [{PROCUREMENT}] FROM table2_wide WHERE report_id = ?", rid) == [(436,)]
    assert rows(tmp_path, "SELECT report_id, normalised, normalised_from FROM facts WHERE key = ? ORDER BY report_id", FEES) == \
        rows(loaded_archive, "SELECT report_id, normalised, normalised_from FROM facts WHERE key = ? ORDER BY report_id", FEES)
