"""Date ranges of the dashboard: a period around a day, the one before it, a chart's span."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from kontrol.domain.periods import Period, first_day, next_key, period_keys

# How many periods a chart shows, ending with the chosen one.
CHART_SPAN = {Period.DAY: 31, Period.WEEK: 13, Period.MONTH: 12, Period.QUARTER: 8}


@dataclass(frozen=True)
class DateRange:
    """Local days, both ends included."""

    first: date
    last: date

    @property
    def days(self) -> int:
        """How many days the range covers."""
        return (self.last - self.first).days + 1

    def as_params(self) -> dict[str, str]:
        """``date_from`` / ``date_to`` for a link to the interaction list."""
        return {"date_from": self.first.isoformat(), "date_to": self.last.isoformat()}


def last_day(period: Period, key: str) -> date:
    """The last local day of the period called ``key``."""
    return first_day(period, next_key(period, key)) - timedelta(days=1)


def previous_key(period: Period, key: str) -> str:
    """The key of the period right before ``key``."""
    return period_keys(first_day(period, key) - timedelta(days=1))[period]


def period_of(period: Period, day: date) -> DateRange:
    """The whole period that contains ``day``."""
    key = period_keys(day)[period]
    return DateRange(first_day(period, key), last_day(period, key))


def previous_range(period: Period, current: DateRange) -> DateRange:
    """The range a trend compares with.

    A whole period: the whole period before. A period still running (its first
    days, "month to date"): as many first days of the period before, so that
    1–7 December is compared with 1–7 November, not with the whole of November.
    Any other range: as many days right before it.
    """
    key = period_keys(current.first)[period]
    if current.first == first_day(period, key) and current.last <= last_day(period, key):
        before = previous_key(period, key)
        start = first_day(period, before)
        whole = current.last == last_day(period, key)
        end = last_day(period, before)
        return DateRange(start, end if whole else min(end, start + (current.last - current.first)))
    return DateRange(
        current.first - timedelta(days=current.days), current.first - timedelta(days=1)
    )


def running_range(period: Period, day: date, today: date) -> DateRange:
    """The period holding ``day``, up to ``today`` when it is still running."""
    whole = period_of(period, day)
    if whole.first <= today < whole.last:
        return DateRange(whole.first, today)
    return whole


def chart_keys(period: Period, current: DateRange) -> list[str]:
    """The period keys a chart shows: ``CHART_SPAN`` periods up to the chosen range's end."""
    keys = [period_keys(current.last)[period]]
    while len(keys) < CHART_SPAN[period] or first_day(period, keys[-1]) > current.first:
        keys.append(previous_key(period, keys[-1]))
    return list(reversed(keys))
