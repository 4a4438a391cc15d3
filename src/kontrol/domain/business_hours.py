"""Business-hours calendars: the working time that SLA and response clocks count.

A contact that waits overnight has not waited fourteen hours of working time;
a calendar says which hours count: working days, opening and closing times,
a lunch break and holidays, in one time zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kontrol.domain.errors import InvalidInput

# Longer spans are counted only this far: a data error should not hang an import.
_MAX_DAYS = 800


def parse_clock(value: str, what: str) -> time:
    """``HH:MM`` as a time of day."""
    try:
        hours, minutes = value.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise InvalidInput(
            f"{what}: expected HH:MM, got {value!r}",
            key="error.clock",
            params={"what": what, "value": value},
        ) from None


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days (ISO weekday numbers), hours, an optional lunch break and holidays."""

    days: frozenset[int]
    opens: time
    closes: time
    lunch: tuple[time, time] | None = None
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.days or not self.days <= set(range(1, 8)):
            raise InvalidInput(
                "working days: ISO weekday numbers 1 (Monday) to 7 (Sunday)",
                key="error.working_days",
            )
        if self.opens >= self.closes:
            raise InvalidInput(
                "working hours: opening time must be before closing time", key="error.working_hours"
            )
        if self.lunch is not None:
            start, end = self.lunch
            if not self.opens <= start < end <= self.closes:
                raise InvalidInput(
                    "lunch break: must lie inside working hours, start before end",
                    key="error.lunch_break",
                )

    def _open_spans(self, day: date) -> list[tuple[time, time]]:
        if day.isoweekday() not in self.days or day in self.holidays:
            return []
        if self.lunch is None:
            return [(self.opens, self.closes)]
        return [(self.opens, self.lunch[0]), (self.lunch[1], self.closes)]

    def working_seconds(self, start: datetime, end: datetime, zone: ZoneInfo) -> float:
        """Working seconds between two naive-UTC moments (0 when ``end`` is not after ``start``)."""
        if end <= start:
            return 0.0
        local_start = start.replace(tzinfo=UTC).astimezone(zone)
        local_end = end.replace(tzinfo=UTC).astimezone(zone)
        total = 0.0
        day = local_start.date()
        last = min(local_end.date(), day + timedelta(days=_MAX_DAYS))
        while day <= last:
            for opens, closes in self._open_spans(day):
                span_start = max(datetime.combine(day, opens, zone), local_start)
                span_end = min(datetime.combine(day, closes, zone), local_end)
                if span_end > span_start:
                    # Subtract in UTC: wall-clock subtraction is wrong across a DST change.
                    total += (span_end.astimezone(UTC) - span_start.astimezone(UTC)).total_seconds()
            day += timedelta(days=1)
        return total
