"""Schedules: daily, weekly on a weekday, monthly on a day, cron; in the workspace time zone."""

from __future__ import annotations

from datetime import datetime

import pytest

from kontrol.domain.errors import InvalidInput
from kontrol.reports.schedule import (
    ScheduleParts,
    compose_schedule,
    describe_schedule,
    next_run,
    parse_schedule,
)

# Monday 2026-11-16, 10:00 UTC = 13:00 in Moscow.
NOW = datetime(2026, 11, 16, 10, 0)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("daily 09:00", datetime(2026, 11, 17, 6, 0)),
        ("daily 14:30", datetime(2026, 11, 16, 11, 30)),
        ("weekly 1 09:00", datetime(2026, 11, 23, 6, 0)),
        ("weekly 5 18:00", datetime(2026, 11, 20, 15, 0)),
        ("monthly 1 09:00", datetime(2026, 12, 1, 6, 0)),
        # Day 31 in a 30-day month is its last day.
        ("monthly 31 09:00", datetime(2026, 11, 30, 6, 0)),
        ("cron 0 9 * * 1-5", datetime(2026, 11, 17, 6, 0)),
        ("cron */15 13 * * *", datetime(2026, 11, 16, 10, 15)),
        ("cron 0 8 1 1 *", datetime(2027, 1, 1, 5, 0)),
    ],
)
def test_the_next_run_is_in_the_workspace_time_zone(line: str, expected: datetime) -> None:
    assert next_run(parse_schedule(line), NOW, "Europe/Moscow") == expected


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ("weekly 8 09:00", "weekly"),
        ("daily 25:00", "25:00"),
        ("cron 61 * * * *", "minute"),
        ("cron * * * *", "cron M H DOM MON DOW"),
        ("hourly 09:00", "hourly"),
    ],
)
def test_a_bad_schedule_is_refused_with_what_is_wrong(line: str, named: str) -> None:
    with pytest.raises(InvalidInput, match=named):
        parse_schedule(line)


def test_the_form_fields_make_the_line_and_the_words_read_naturally() -> None:
    line = compose_schedule(ScheduleParts("weekly", weekday=1, at="09:00"))
    assert line == "weekly 1 09:00"
    assert describe_schedule(line, "ru") == "по понедельникам в 09:00"
    assert describe_schedule("monthly 5 10:30", "en") == "monthly on day 5 at 10:30"
