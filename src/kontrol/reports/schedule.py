"""When a report is due: daily, weekly on a weekday, monthly on a day, or cron.

A schedule is stored as one line: ``daily 09:00``, ``weekly 1 09:00`` (ISO
weekday, 1 = Monday), ``monthly 5 09:00`` (day of the month; 31 means the
last day in shorter months) or ``cron M H DOM MON DOW`` (five fields, each a
``*``, numbers, ranges ``a-b``, lists ``a,b`` and steps ``*/n`` or ``a-b/n``;
day of week 0-7, 0 and 7 = Sunday; when both day fields are restricted, a day
matching either counts, as in cron). Times are in the workspace time zone.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from kontrol.domain.clock import from_utc, to_utc, zone
from kontrol.domain.errors import InvalidInput

FREQUENCIES = ("daily", "weekly", "monthly", "cron")
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
# (name, low, high) of the five cron fields.
_CRON_FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day", 1, 31),
    ("month", 1, 12),
    ("weekday", 0, 7),
)
# Far enough to find the next match of any valid expression (29 February of a leap year).
_SEARCH_DAYS = 366 * 8


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule line."""

    frequency: str
    at: time = time(9, 0)
    weekday: int | None = None
    month_day: int | None = None
    cron: tuple[frozenset[int], ...] | None = None
    text: str = ""

    def runs_on(self, day: date) -> bool:
        """True when the schedule fires on local ``day`` (daily, weekly, monthly)."""
        if self.frequency == "daily":
            return True
        if self.frequency == "weekly":
            return day.isoweekday() == self.weekday
        if self.frequency == "monthly":
            assert self.month_day is not None
            last = calendar.monthrange(day.year, day.month)[1]
            return day.day == min(self.month_day, last)
        return self._cron_day(day)

    def _cron_day(self, day: date) -> bool:
        assert self.cron is not None
        _, _, days, months, weekdays = self.cron
        if day.month not in months:
            return False
        cron_weekday = day.isoweekday() % 7
        day_all = len(days) == 31
        week_all = len(weekdays) >= 7
        in_days = day.day in days
        in_week = cron_weekday in weekdays or (cron_weekday == 0 and 7 in weekdays)
        if day_all or week_all:
            return in_days and in_week
        return in_days or in_week

    def times_on(self, day: date) -> list[time]:
        """The local times the schedule fires at on a day it runs."""
        if self.cron is None:
            return [self.at]
        minutes, hours = self.cron[0], self.cron[1]
        return [time(h, m) for h in sorted(hours) for m in sorted(minutes)]


def _cron_field(text: str, name: str, low: int, high: int) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        match = re.fullmatch(r"(\*|\d+(?:-\d+)?)(?:/(\d+))?", part)
        if match is None:
            raise InvalidInput(
                f"schedule: cron {name} field {text!r} is not valid",
                key="reports.error.cron_field",
                params={"name": name, "text": text},
                where_key="error.where.field",
                where_params={"field": "schedule"},
            )
        span, step_text = match.groups()
        if span == "*":
            first, last = low, high
        elif "-" in span:
            first, last = (int(n) for n in span.split("-"))
        else:
            first = last = int(span)
        step = int(step_text) if step_text else 1
        if step < 1 or not (low <= first <= last <= high):
            raise InvalidInput(
                f"schedule: cron {name} field {text!r}: {low}-{high} expected",
                key="reports.error.cron_range",
                params={"name": name, "text": text, "low": low, "high": high},
                where_key="error.where.field",
                where_params={"field": "schedule"},
            )
        values.update(range(first, last + 1, step))
    return frozenset(values)


def _clock(text: str) -> time:
    match = _TIME.fullmatch(text)
    if match is None:
        raise InvalidInput(
            f"schedule: {text!r} is not a time HH:MM",
            key="reports.error.schedule_time",
            params={"text": text},
            where_key="error.where.field",
            where_params={"field": "schedule"},
        )
    return time(int(match.group(1)), int(match.group(2)))


def parse_schedule(text: str) -> Schedule:
    """``text`` as a :class:`Schedule`; ``InvalidInput`` says what is wrong."""
    words = text.split()
    if not words or words[0] not in FREQUENCIES:
        raise InvalidInput(
            f"schedule: {text[:60]!r} starts with none of {', '.join(FREQUENCIES)}",
            key="reports.error.schedule_start",
            params={"text": text[:60], "frequencies": ", ".join(FREQUENCIES)},
            where_key="error.where.field",
            where_params={"field": "schedule"},
        )
    line = " ".join(words)
    kind = words[0]
    if kind == "daily" and len(words) == 2:
        return Schedule("daily", at=_clock(words[1]), text=line)
    if kind == "weekly" and len(words) == 3 and words[1].isdigit() and 1 <= int(words[1]) <= 7:
        return Schedule("weekly", at=_clock(words[2]), weekday=int(words[1]), text=line)
    if kind == "monthly" and len(words) == 3 and words[1].isdigit() and 1 <= int(words[1]) <= 31:
        return Schedule("monthly", at=_clock(words[2]), month_day=int(words[1]), text=line)
    if kind == "cron" and len(words) == 6:
        fields = tuple(
            _cron_field(value, name, low, high)
            for value, (name, low, high) in zip(words[1:], _CRON_FIELDS, strict=True)
        )
        return Schedule("cron", cron=fields, text=line)
    raise InvalidInput(
        f"schedule: {line[:60]!r}: expected 'daily HH:MM', 'weekly 1-7 HH:MM', "
        "'monthly 1-31 HH:MM' or 'cron M H DOM MON DOW'",
        key="reports.error.schedule_line",
        params={"line": line[:60]},
        where_key="error.where.field",
        where_params={"field": "schedule"},
    )


def next_run(schedule: Schedule, after: datetime, timezone: str) -> datetime:
    """The first scheduled moment strictly after ``after`` (naive UTC), as naive UTC."""
    local = zone(timezone)
    start = from_utc(after, local).replace(tzinfo=None)
    day = start.date()
    for _ in range(_SEARCH_DAYS):
        if schedule.runs_on(day):
            for at in schedule.times_on(day):
                moment = datetime.combine(day, at)
                utc = to_utc(moment, local)
                if utc > after:
                    return utc
        day += timedelta(days=1)
    raise InvalidInput(
        f"schedule: {schedule.text!r} never runs",
        key="reports.error.schedule_never",
        params={"text": schedule.text},
        where_key="error.where.field",
        where_params={"field": "schedule"},
    )


@dataclass(frozen=True)
class ScheduleParts:
    """A schedule as the form shows it: frequency, weekday, day of month, time, cron."""

    frequency: str = "weekly"
    weekday: int = 1
    month_day: int = 1
    at: str = "09:00"
    cron: str = ""


def compose_schedule(parts: ScheduleParts) -> str:
    """The schedule line of the form's fields (checked by :func:`parse_schedule`)."""
    if parts.frequency == "daily":
        line = f"daily {parts.at}"
    elif parts.frequency == "weekly":
        line = f"weekly {parts.weekday} {parts.at}"
    elif parts.frequency == "monthly":
        line = f"monthly {parts.month_day} {parts.at}"
    elif parts.frequency == "cron":
        line = f"cron {parts.cron}"
    else:
        raise InvalidInput(
            f"schedule: one of {', '.join(FREQUENCIES)}",
            key="reports.error.frequency",
            params={"frequencies": ", ".join(FREQUENCIES)},
            where_key="error.where.field",
            where_params={"field": "schedule"},
        )
    return parse_schedule(line).text


def split_schedule(text: str) -> ScheduleParts:
    """The form's fields of a stored schedule line."""
    schedule = parse_schedule(text)
    at = f"{schedule.at:%H:%M}"
    if schedule.frequency == "cron":
        return ScheduleParts("cron", cron=text.split(" ", 1)[1])
    return ScheduleParts(
        schedule.frequency,
        weekday=schedule.weekday or 1,
        month_day=schedule.month_day or 1,
        at=at,
    )


def describe_schedule(text: str, locale: str) -> str:
    """The schedule in words: "every Monday at 09:00" (catalogue ``reports.every.*``)."""
    from kontrol.i18n import translate

    parts = split_schedule(text)
    if parts.frequency == "cron":
        return f"cron {parts.cron}"
    template = translate(locale, f"reports.every.{parts.frequency}")
    weekday = translate(locale, f"reports.weekday_on.{parts.weekday}")
    return template.format(at=parts.at, weekday=weekday, day=parts.month_day)
