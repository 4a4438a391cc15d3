"""Reporting periods: the keys KPIs are grouped by, in the workspace time zone."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum


class Period(StrEnum):
    """How long one row of a KPI report covers; weeks start on Monday (ISO)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"


def period_keys(day: date) -> dict[Period, str]:
    """The key of every period ``day`` belongs to: 2026-11-02, 2026-W45, 2026-11, 2026-Q4."""
    year, week, _ = day.isocalendar()
    return {
        Period.DAY: day.isoformat(),
        Period.WEEK: f"{year}-W{week:02d}",
        Period.MONTH: f"{day.year}-{day.month:02d}",
        Period.QUARTER: f"{day.year}-Q{(day.month - 1) // 3 + 1}",
    }


def first_day(period: Period, key: str) -> date:
    """The first local day of the period called ``key``."""
    if period is Period.DAY:
        return date.fromisoformat(key)
    if period is Period.WEEK:
        year, week = key.split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    if period is Period.MONTH:
        year, month = key.split("-")
        return date(int(year), int(month), 1)
    year, quarter = key.split("-Q")
    return date(int(year), (int(quarter) - 1) * 3 + 1, 1)


def next_key(period: Period, key: str) -> str:
    """The key of the period right after ``key``."""
    start = first_day(period, key)
    if period is Period.DAY:
        return period_keys(start + timedelta(days=1))[period]
    if period is Period.WEEK:
        return period_keys(start + timedelta(days=7))[period]
    months = 1 if period is Period.MONTH else 3
    month = start.month - 1 + months
    return period_keys(date(start.year + month // 12, month % 12 + 1, 1))[period]
