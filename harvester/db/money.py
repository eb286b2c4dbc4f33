"""Money in one unit per key. A report prints an amount in 元, 万元 or 亿元, in the cell or under
the template's header; the fact keeps the value and unit as printed, and carries beside them
its value in the codebook's unit (`facts.normalised`) with the unit it was converted from
(`facts.normalised_from`: empty when none was needed, `unstated` when neither the cell nor the
template's header prints a unit — then only a 0 has a value in any unit). Conversion is exact
(decimal), never rounded; a key whose codebook unit is not money has no normalised value.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlite_utils

from harvester.schema import KEYS

MONEY_UNITS = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}
"""Each money unit in 元."""
UNSTATED = "unstated"


def money_columns(key: str, value: int | float | None, printed_unit: str | None) -> dict[str, Any]:
    """The facts columns `normalised` and `normalised_from`, and for a money key its `unit`
    (the one printed in the cell, else the one the template's header states, else none)."""
    spec = KEYS.get(key)
    if spec is None or spec.unit not in MONEY_UNITS:
        return {"normalised": None, "normalised_from": None}
    if printed_unit in MONEY_UNITS:
        unit = printed_unit
    elif spec.unit in spec.label:  # 本年收费金额（单位：万元）
        unit = spec.unit
    else:
        return {"unit": None, "normalised_from": UNSTATED, "normalised": 0 if value == 0 else None}
    return {"unit": unit, "normalised_from": None if unit == spec.unit else unit,
            "normalised": None if value is None else _convert(value, unit, spec.unit)}


def _convert(value: int | float, unit: str, to: str) -> int | float:
    amount = Decimal(str(value)) * MONEY_UNITS[unit] / MONEY_UNITS[to]
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def backfill(db: sqlite_utils.Database) -> None:
    """Fill the money columns of a database built before them (its facts, then its wide tables),
    from the stored value and unit: a load rewrites only the reports whose source changed."""
    for key in (k for k, spec in KEYS.items() if spec.unit in MONEY_UNITS):
        for rowid, value, unit in db.execute(
                "SELECT rowid, value, unit FROM facts WHERE key = ?", [key]).fetchall():
            columns = money_columns(key, value, unit)
            db.execute("UPDATE facts SET unit = ?, normalised = ?, normalised_from = ? WHERE rowid = ?",
                       [columns["unit"], columns["normalised"], columns["normalised_from"], rowid])
        db.execute(f"UPDATE [{KEYS[key].table}_wide] SET [{key}] = (SELECT normalised FROM facts f"
                   f" WHERE f.report_id = [{KEYS[key].table}_wide].report_id AND f.key = ?)", [key])

