"""Reading request parameters the page and API modules of several features share:
a reporting period (the dashboard, the targets, ``/api/v1/kpi``), and the date
and number parameters of the review pages and API."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Path, Query

from kontrol.domain.errors import InvalidInput
from kontrol.domain.periods import Period


def read_period(value: str | None) -> Period:
    """The period named by ``value`` (day, week, month, quarter); a month when none is given."""
    if not value:
        return Period.MONTH
    try:
        return Period(value)
    except ValueError:
        raise InvalidInput(
            "period: day, week, month or quarter",
            key="web.error.period",
            where_key="error.where.field",
            where_params={"field": "period"},
        ) from None


def read_day(value: str | None, name: str) -> date | None:
    """A ``YYYY-MM-DD`` parameter ``name``, or none when it is empty."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{name}: expected a date YYYY-MM-DD",
            key="web.error.date",
            where_key="error.where.field",
            where_params={"field": name},
        ) from None


def read_optional_int(value: object, name: str) -> int | None:
    """A whole-number parameter ``name`` (a form field, a query), or none when it is empty."""
    text = str(value or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise InvalidInput(
            f"{name}: expected a number",
            key="web.error.number",
            where_key="error.where.field",
            where_params={"field": name},
        )
    return int(text)


# The largest value a BIGINT (PostgreSQL) or INTEGER (SQLite) column holds: a larger
# number cannot be bound as a query parameter and must not reach the database.
LARGEST_ID = 2**63 - 1
# A row id in a path: anything outside 1..LARGEST_ID names no row (web/errors.py
# answers 404 for it, like for any other id that does not exist).
Id = Annotated[int, Path(ge=1, le=LARGEST_ID)]
# An optional row id (or version) in a query string: out of range is a 422.
OptionalId = Annotated[int | None, Query(ge=1, le=LARGEST_ID)]
# How many rows of a list to skip.
Offset = Annotated[int, Query(ge=0, le=LARGEST_ID)]
