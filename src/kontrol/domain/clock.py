"""Time rules: everything is stored as naive UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kontrol.domain.errors import InvalidInput


def zone(name: str) -> ZoneInfo:
    """The time zone called ``name`` (IANA, e.g. ``Europe/Moscow``)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"unknown time zone {name!r}", key="error.time_zone", params={"name": name}
        ) from None


def to_utc(moment: datetime, local: tzinfo) -> datetime:
    """``moment`` as naive UTC; a naive ``moment`` is read in ``local``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local)
    return moment.astimezone(UTC).replace(tzinfo=None)


def from_utc(moment: datetime, local: tzinfo) -> datetime:
    """A stored naive-UTC ``moment`` as an aware time in ``local``."""
    return moment.replace(tzinfo=UTC).astimezone(local)


def utcnow() -> datetime:
    """Now, as naive UTC (how times are stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


def parse_day(value: str) -> date | None:
    """``value`` as a day: ``ГГГГ-ММ-ДД`` (ISO) or ``ДД.ММ.ГГГГ`` as a person types it.

    ``None`` when it is neither or names no real day (``31.02.2026``).
    """
    text = value.strip()
    day, dot, rest = text.partition(".")
    if dot:
        month, dot, year = rest.partition(".")
        if not (dot and day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4):
            return None
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
