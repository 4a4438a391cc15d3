"""What an analysis page counts: the dates, the period length and the filters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select

from kontrol.domain.errors import InvalidInput
from kontrol.domain.periods import Period
from kontrol.store.tables import interaction_facts

FILTERS = ("agent", "team", "channel", "language")
# Periods shown when no dates are chosen, ending with the latest day that has data.
DEFAULT_SPAN = {Period.DAY: 30, Period.WEEK: 12 * 7, Period.MONTH: 365, Period.QUARTER: 730}


@dataclass(frozen=True)
class AnalysisScope:
    """The workspace, the local-day range (inclusive), the period length and filters."""

    workspace_id: int
    date_from: date
    date_to: date
    period: Period = Period.WEEK
    filters: Mapping[str, str] = field(default_factory=dict)

    def conditions(self) -> list[ColumnElement[bool]]:
        """The WHERE over ``interaction_facts``."""
        f = interaction_facts
        found: list[ColumnElement[bool]] = [
            f.c.workspace_id == self.workspace_id,
            f.c.day >= self.date_from.isoformat(),
            f.c.day <= self.date_to.isoformat(),
        ]
        for name, value in self.filters.items():
            found.append(f.c[name] == value)
        return found

    def query(self) -> dict[str, Any]:
        """The scope as query parameters (links keep what the reader chose)."""
        return {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "period": self.period.value,
            **dict(self.filters),
        }


def make_scope(
    connection: Connection,
    workspace_id: int,
    *,
    period: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    filters: Mapping[str, str] | None = None,
    whole_history: bool = False,
) -> AnalysisScope:
    """A scope from what was asked; missing dates end at the latest day with data and
    begin a default span earlier (or, with ``whole_history``, at the first day)."""
    try:
        chosen = Period(period) if period else Period.WEEK
    except ValueError:
        raise InvalidInput(
            "period: one of day, week, month, quarter",
            key="analysis.error.period",
            where_key="error.where.field",
            where_params={"field": "period"},
        ) from None
    for name in filters or {}:
        if name not in FILTERS:
            raise InvalidInput(
                f"{name}: filters are {', '.join(FILTERS)}",
                key="analysis.error.filter",
                params={"choices": ", ".join(FILTERS)},
                where_key="error.where.field",
                where_params={"field": name},
            )
    if date_to is None:
        latest = connection.execute(
            select(func.max(interaction_facts.c.day)).where(
                interaction_facts.c.workspace_id == workspace_id
            )
        ).scalar()
        date_to = date.fromisoformat(latest) if latest else date.today()
    if date_from is None and whole_history:
        first = connection.execute(
            select(func.min(interaction_facts.c.day)).where(
                interaction_facts.c.workspace_id == workspace_id
            )
        ).scalar()
        # Never after the chosen end: a ``date_to`` before the first data is an empty span.
        date_from = min(date.fromisoformat(first), date_to) if first else date_to
    if date_from is None:
        date_from = date_to - timedelta(days=DEFAULT_SPAN[chosen] - 1)
    if date_from > date_to:
        raise InvalidInput(
            "date_from: after date_to",
            key="metrics.error.from_after_to",
            where_key="error.where.field",
            where_params={"field": "date_from"},
        )
    return AnalysisScope(
        workspace_id,
        date_from,
        date_to,
        chosen,
        {k: v for k, v in (filters or {}).items() if v},
    )
