"""Which State Council layout a report follows: 2019, 2021, mixed, free-form or unknown."""

from __future__ import annotations

from collections.abc import Iterable

from harvester.schema import (TABLE2_KEYS_2019, TABLE2_KEYS_2021, TABLE3_ROWS_2019_ONLY,
                              TABLE3_ROWS_2021_ONLY)

ONLY_2019 = set(TABLE2_KEYS_2019) - set(TABLE2_KEYS_2021)
ONLY_2021 = set(TABLE2_KEYS_2021) - set(TABLE2_KEYS_2019)


def detect_template(keys: Iterable[str], is_report: bool) -> str:
    """Layout from the keys read: each table votes for the layout its rows belong to."""
    votes = set()
    for key in keys:
        row = key.rsplit(".", 1)[0]
        if key in ONLY_2019 or row in TABLE3_ROWS_2019_ONLY:
            votes.add("2019")
        elif key in ONLY_2021 or row in TABLE3_ROWS_2021_ONLY:
            votes.add("2021")
    if len(votes) == 2:
        return "mixed"
    if votes:
        return votes.pop()
    return "free-form" if is_report else "unknown"
