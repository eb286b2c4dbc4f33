"""Deadline-aware crawl cadence: often in the reporting season, rarely otherwise (schedule.yaml)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import yaml

DEFAULT_CONFIG = Path(__file__).with_name("schedule.yaml")
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhd])\s*")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class CalendarError(ValueError):
    """The schedule configuration is invalid."""


def parse_duration(text: str | int | float) -> timedelta:
    """'90m', '2h', '1.5d' (or a number of seconds) as a timedelta."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return timedelta(seconds=text)
    match = _DURATION.fullmatch(str(text))
    if not match:
        raise CalendarError(f"not a duration (use e.g. 30m, 2h, 1d): {text!r}")
    return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})


@dataclass(frozen=True)
class Calendar:
    """Crawl interval by month; `due` says whether a source crawled at `last` should be crawled at `now`."""

    default_interval: timedelta
    month_intervals: dict[int, timedelta] = field(default_factory=dict)
    crawl_timeout: timedelta = timedelta(hours=2)
    lock_stale_after: timedelta = timedelta(minutes=30)

    def interval(self, now: datetime) -> timedelta:
        """The crawl interval that applies in `now`'s month."""
        return self.month_intervals.get(now.month, self.default_interval)

    def due(self, last: datetime | None, now: datetime) -> bool:
        """True when a source last crawled at `last` (None = never) is due at `now`."""
        return last is None or now - last >= self.interval(now)

    def next_due(self, last: datetime | None, now: datetime) -> datetime:
        """When a source last crawled at `last` becomes due (now if it already is)."""
        if self.due(last, now):
            return now
        return last + self.interval(now)


def load_calendar(path: str | Path | None = None) -> Calendar:
    """Read a schedule YAML file (default: the bundled schedule.yaml) and validate it."""
    path = Path(path) if path else DEFAULT_CONFIG
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise CalendarError(f"{path}: {error}") from error
    if not isinstance(config, dict) or "default_interval" not in config:
        raise CalendarError(f"{path}: needs at least default_interval")
    months: dict[int, timedelta] = {}
    for season in config.get("seasons") or []:
        if not isinstance(season, dict):
            raise CalendarError(f"{path}: a season needs months and interval: {season!r}")
        interval = parse_duration(season.get("interval", ""))
        for month in season.get("months") or []:
            if not isinstance(month, int) or not 1 <= month <= 12 or month in months:
                raise CalendarError(f"{path}: bad or repeated month {month!r}")
            months[month] = interval
    return Calendar(
        default_interval=parse_duration(config["default_interval"]),
        month_intervals=months,
        crawl_timeout=parse_duration(config.get("crawl_timeout", "2h")),
        lock_stale_after=parse_duration(config.get("lock_stale_after", "30m")),
    )
