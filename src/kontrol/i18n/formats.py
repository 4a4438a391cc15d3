"""Numbers and periods as a reader of each language writes them.

Russian writes a decimal comma and groups thousands with a narrow space
(38,1 %, 1 204); English a decimal point (38.1 %, 1 204: the narrow space
reads in both). A period key (``2026-W45``) is a storage key; people read
"нед. 45 · 02.11–08.11" or "Week 45 · Nov 2–8".
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo

from kontrol.domain.periods import Period, first_day
from kontrol.i18n import translate

THIN_SPACE = "\u202f"
MINUS = "\u2212"
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ROMAN = ("I", "II", "III", "IV")


def decimal(value: float, places: int, locale: str) -> str:
    """``value`` rounded to ``places`` with the locale's decimal mark and thousands grouped.

    A negative number has the minus sign (U+2212): a hyphen reads as a dash.
    """
    text = f"{value:,.{places}f}".replace(",", THIN_SPACE).replace("-", MINUS)
    return text.replace(".", ",") if locale == "ru" else text


def local_moment(moment: datetime, zone: tzinfo | None) -> datetime:
    """``moment`` on the wall clock of ``zone``: naive values are stored UTC (domain/clock.py).

    Without a zone (public pages, no workspace) the moment is shown as it is.
    """
    if zone is None:
        return moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone)


def number_label(
    value: float | int | str | None, locale: str, places: int = 1, *, sign: bool = False
) -> str:
    """A number a person reads: ``42,9``, ``80`` (no needless ``,0``), ``−0,024``, ``1 204``.

    Rounded to ``places``; trailing zeros of the fraction dropped; a negative
    number has the minus sign (U+2212), not a hyphen; ``sign`` adds ``+`` too.
    Empty stays ``—``; text that is not a number is shown as it is.
    """
    if value is None or value == "":
        return "—"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    text = decimal(abs(number), places, locale)
    if places > 0:
        mark = "," if locale == "ru" else "."
        text = text.rstrip("0").rstrip(mark)
    if text.strip("0,." + THIN_SPACE) == "":
        return "0"
    if number < 0:
        return MINUS + text
    return "+" + text if sign else text


def day_label(value: date | str | None, locale: str, *, zone: tzinfo | None = None) -> str:
    """A day as people write it: ``15.12.2026`` in Russian, ``Dec 15, 2026`` in English.

    A time (``datetime``) is first moved to ``zone``: its day is the day there.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            day = date.fromisoformat(value[:10])
        except ValueError:
            return value
    elif isinstance(value, datetime):
        day = local_moment(value, zone).date()
    else:
        day = value
    if locale == "ru":
        return f"{day.day:02d}.{day.month:02d}.{day.year}"
    return f"{_MONTHS_EN[day.month - 1]} {day.day}, {day.year}"


def moment_label(
    value: datetime | str | None, locale: str, *, seconds: bool = False, zone: tzinfo | None = None
) -> str:
    """A day and a time: ``15.12.2026 14:30`` in Russian, ``Dec 15, 2026 14:30`` in English.

    The time is read on the wall clock of ``zone`` (the workspace's), see :func:`local_moment`.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
    else:
        moment = value
    moment = local_moment(moment, zone)
    clock = moment.strftime("%H:%M:%S" if seconds else "%H:%M")
    return f"{day_label(moment, locale)} {clock}"


# The sign of a currency (ISO 4217 code); a code not here is written as the code.
CURRENCY_SIGNS = {
    "RUB": "₽",
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "KZT": "₸",
    "BYN": "Br",
    "UAH": "₴",
    "CNY": "¥",
}


def money(value: float, currency: str | None, locale: str, places: int = 2) -> str:
    """An amount with its currency: ``1 234,50 ₽`` in Russian, ``$1,234.50`` in English
    (a sign written after the amount stays after it); without a currency, the number."""
    amount = decimal(value, places, locale)
    if not currency:
        return amount
    sign = CURRENCY_SIGNS.get(currency, currency)
    if locale == "ru" and currency == "BYN":
        sign = "бел.\u00a0руб."
    if locale != "ru" and sign in ("$", "€", "£", "¥"):
        return f"{amount[0]}{sign}{amount[1:]}" if amount.startswith(MINUS) else sign + amount
    return f"{amount}\u00a0{sign}"


def range_label(first: date, last: date, locale: str) -> str:
    """Two days, both included, as people write a span: ``1–7 дек.`` / ``Dec 1–7``."""
    if first == last:
        return day_label(first, locale)
    if first.year != last.year:
        return f"{day_label(first, locale)} – {day_label(last, locale)}"

    def month(day: date) -> str:
        return translate(locale, f"period.month_short.{day.month}")

    if first.month == last.month:
        if locale == "ru":
            return f"{first.day}–{last.day} {month(first)}"
        return f"{month(first)} {first.day}–{last.day}"
    if locale == "ru":
        return f"{first.day} {month(first)} – {last.day} {month(last)}"
    return f"{month(first)} {first.day} – {month(last)} {last.day}"


# Where a customer's mood (-1..1) turns from neutral to positive or negative.
_MOOD_EDGE = 0.2


def mood(value: float) -> str:
    """The customer's tone (-1..1) in a word: ``positive``, ``neutral`` or ``negative``."""
    return "positive" if value >= _MOOD_EDGE else "negative" if value <= -_MOOD_EDGE else "neutral"


def signal_label(key: str, value: float | int | None, locale: str) -> str:
    """A conversation signal with its unit: shares in per cent, a tone in words."""
    if value is None:
        return "—"
    if key.endswith("_ratio"):
        return f"{decimal(float(value) * 100, 1, locale)}{THIN_SPACE}%"
    if key.startswith("customer_sentiment"):
        number = decimal(float(value), 2, locale)
        sign = "+" if value > 0 else ""
        return f"{translate(locale, f'signal.mood.{mood(float(value))}')} ({sign}{number})"
    return decimal(float(value), 0, locale)


_KEY_SHAPES = (
    (re.compile(r"\d{4}-W\d{2}"), Period.WEEK),
    (re.compile(r"\d{4}-Q[1-4]"), Period.QUARTER),
    (re.compile(r"\d{4}-\d{2}-\d{2}"), Period.DAY),
    (re.compile(r"\d{4}-\d{2}"), Period.MONTH),
)


def any_period_label(key: str, locale: str) -> str:
    """A period key of any length (``2026-W42``, ``2026-11``...) as a person reads it."""
    for shape, period in _KEY_SHAPES:
        if shape.fullmatch(key):
            return period_label(period, key, locale)
    return key


def period_label(period: Period, key: str, locale: str) -> str:
    """The period ``key`` as a person reads it in ``locale``."""
    start = first_day(period, key)
    if period is Period.DAY:
        return start.strftime("%d.%m.%Y") if locale == "ru" else start.strftime("%b %d, %Y")
    if period is Period.WEEK:
        end = start + timedelta(days=6)
        week = start.isocalendar().week
        if locale == "ru":
            return f"{translate(locale, 'period.week_short')} {week} · {start:%d.%m}–{end:%d.%m}"
        days = (
            f"{_MONTHS_EN[start.month - 1]} {start.day}–{end.day}"
            if start.month == end.month
            else f"{_MONTHS_EN[start.month - 1]} {start.day}–{_MONTHS_EN[end.month - 1]} {end.day}"
        )
        return f"{translate(locale, 'period.week_short')} {week} · {days}"
    if period is Period.MONTH:
        return f"{translate(locale, f'period.month.{start.month}')} {start.year}"
    quarter = (start.month - 1) // 3
    if locale == "ru":
        return f"{_ROMAN[quarter]} {translate(locale, 'period.quarter_short')} {start.year}"
    return f"Q{quarter + 1} {start.year}"
