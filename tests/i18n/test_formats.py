"""Numbers and periods written the way each language reads them."""

from __future__ import annotations

import pytest

from kontrol.domain.periods import Period
from kontrol.i18n.formats import decimal, period_label


@pytest.mark.parametrize(
    ("locale", "value", "places", "written"),
    [
        ("ru", 38.14, 1, "38,1"),
        ("en", 38.14, 1, "38.1"),
        ("ru", 1204.0, 0, "1\u202f204"),
        ("en", 1234567.891, 2, "1\u202f234\u202f567.89"),
    ],
)
def test_decimal_mark_and_grouping_follow_the_language(
    locale: str, value: float, places: int, written: str
) -> None:
    assert decimal(value, places, locale) == written


@pytest.mark.parametrize(
    ("period", "key", "russian", "english"),
    [
        (Period.DAY, "2026-11-02", "02.11.2026", "Nov 02, 2026"),
        (Period.WEEK, "2026-W45", "нед. 45 · 02.11–08.11", "Week 45 · Nov 2–8"),
        (Period.WEEK, "2026-W44", "нед. 44 · 26.10–01.11", "Week 44 · Oct 26–Nov 1"),
        (Period.MONTH, "2026-11", "ноябрь 2026", "November 2026"),
        (Period.QUARTER, "2026-Q4", "IV кв. 2026", "Q4 2026"),
    ],
)
def test_a_period_key_is_written_as_people_read_it(
    period: Period, key: str, russian: str, english: str
) -> None:
    assert period_label(period, key, "ru") == russian
    assert period_label(period, key, "en") == english
