"""The deadline-aware calendar and its configuration file."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from harvester.operate.calendar import CalendarError, load_calendar, parse_duration


def at(month: int, day: int = 10) -> datetime:
    return datetime(2026, month, day, 3, 0, tzinfo=timezone.utc)


def test_bundled_calendar_is_busy_in_reporting_season_and_quiet_otherwise():
    calendar = load_calendar()
    assert calendar.interval(at(1)) == timedelta(days=2)
    assert [calendar.interval(at(m)) for m in (2, 3, 4)] == [timedelta(days=1)] * 3
    assert {calendar.interval(at(m)) for m in range(5, 13)} == {timedelta(days=14)}
    assert calendar.due(None, at(7))
    assert not calendar.due(at(7, 1), at(7, 14)) and calendar.due(at(7, 1), at(7, 15))
    assert calendar.due(at(3, 1), at(3, 2))


def test_custom_file(tmp_path):
    path = tmp_path / "schedule.yaml"
    path.write_text("default_interval: 30d\nseasons:\n  - {months: [3], interval: 6h}\ncrawl_timeout: 90m\n")
    calendar = load_calendar(path)
    assert calendar.interval(at(3)) == timedelta(hours=6) and calendar.interval(at(2)) == timedelta(days=30)
    assert calendar.crawl_timeout == timedelta(minutes=90)
    assert calendar.next_due(at(3, 1), at(3, 1)) == at(3, 1) + timedelta(hours=6)


@pytest.mark.parametrize("text, message", [
    ("seasons: []\n", "default_interval"),
    ("default_interval: soon\n", "not a duration"),
    ("default_interval: 1d\nseasons:\n  - {months: [13], interval: 1d}\n", "month 13"),
    ("default_interval: 1d\nseasons:\n  - {months: [2], interval: 1d}\n  - {months: [2], interval: 2d}\n", "month 2"),
    ("default_interval: 1d\nseasons: [2]\n", "needs months"),
    ("default_interval: [1d\n", "schedule.yaml"),
])
def test_bad_files_give_clear_errors(tmp_path, text, message):
    path = tmp_path / "schedule.yaml"
    path.write_text(text)
    with pytest.raises(CalendarError, match=message):
        load_calendar(path)


def test_durations():
    assert parse_duration("90m") == timedelta(minutes=90) and parse_duration(30) == timedelta(seconds=30)
