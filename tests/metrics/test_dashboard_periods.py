"""Which dates the dashboard shows and compares with."""

from __future__ import annotations

from datetime import date

from kontrol.domain.periods import Period
from kontrol.metrics import get_metric
from kontrol.metrics.date_ranges import (
    DateRange,
    chart_keys,
    period_of,
    previous_range,
    running_range,
)
from kontrol.metrics.figures import MIN_SAMPLE, judged
from kontrol.metrics.targets import Target


def test_a_whole_period_is_compared_with_the_previous_one() -> None:
    november = period_of(Period.MONTH, date(2026, 11, 25))
    assert november == DateRange(date(2026, 11, 1), date(2026, 11, 30))
    assert previous_range(Period.MONTH, november) == DateRange(
        date(2026, 10, 1), date(2026, 10, 31)
    )
    q1 = period_of(Period.QUARTER, date(2026, 2, 10))
    assert previous_range(Period.QUARTER, q1) == DateRange(date(2025, 10, 1), date(2025, 12, 31))
    week = period_of(Period.WEEK, date(2026, 11, 25))
    assert week.first.isoweekday() == 1 and week.days == 7
    assert previous_range(Period.WEEK, week).last == date(2026, 11, 22)


def test_any_other_range_is_compared_with_as_many_days_before() -> None:
    ten_days = DateRange(date(2026, 11, 11), date(2026, 11, 20))
    assert previous_range(Period.MONTH, ten_days) == DateRange(
        date(2026, 11, 1), date(2026, 11, 10)
    )


def test_charts_show_a_year_of_months_up_to_the_chosen_one() -> None:
    keys = chart_keys(Period.MONTH, period_of(Period.MONTH, date(2026, 11, 3)))
    assert keys[0] == "2025-12"
    assert keys[-1] == "2026-11"
    assert len(keys) == 12


def test_charts_reach_back_to_the_start_of_a_long_range() -> None:
    long_range = DateRange(date(2024, 1, 15), date(2026, 11, 3))
    keys = chart_keys(Period.QUARTER, long_range)
    assert keys[0] == "2024-Q1"
    assert keys[-1] == "2026-Q4"
    assert len(keys) == len(set(keys)) == 12


def test_a_running_month_is_compared_with_as_many_first_days_before() -> None:
    # 7 December: the month so far against 1–7 November, not the whole of November.
    shown = running_range(Period.MONTH, date(2026, 12, 7), today=date(2026, 12, 7))
    assert shown == DateRange(date(2026, 12, 1), date(2026, 12, 7))
    assert previous_range(Period.MONTH, shown) == DateRange(date(2026, 11, 1), date(2026, 11, 7))
    # 30 days of March against February: at most the whole of February.
    march = DateRange(date(2026, 3, 1), date(2026, 3, 30))
    assert previous_range(Period.MONTH, march) == DateRange(date(2026, 2, 1), date(2026, 2, 28))
    # A period that is over is shown whole.
    assert running_range(Period.MONTH, date(2026, 11, 20), today=date(2026, 12, 7)) == (
        period_of(Period.MONTH, date(2026, 11, 20))
    )


def test_no_badge_on_a_handful_of_contacts() -> None:
    csat = get_metric("csat")
    target = Target(1, "csat", "company", None, 80.0, 60.0, "higher", "", "month")
    few = {"csat": 95.0, "csat_den": MIN_SAMPLE - 1, "contacts": 60}
    enough = {**few, "csat_den": MIN_SAMPLE}
    assert judged(csat, few, target) is None
    assert judged(csat, enough, target) == "ok"
    # A volume target judges the count itself, however small.
    volume = Target(2, "contacts", "company", None, 10.0, 5.0, "higher", "", "month")
    assert judged(get_metric("contacts"), {"contacts": 4}, volume) == "bad"
