"""Monthly rollups: ``kpi_rollups`` summed per month and group.

A dashboard's month (and its 12-month chart) sums the daily rollups of every
group over 28-31 days: at a million interactions a month, 248,000 rows per
statement, 0.1-0.2 s each under load. ``kpi_month_rollups`` keeps the same
additive parts summed per (month, agent, team, channel, topic, language), so a
report over whole months reads one row per group and month instead; the days
at either end of a range that does not start or end on a month's edge still
come from the daily rows (``rollup_reads``). The sums are the same sums: the
counts to the unit, the sums of seconds and scores up to the order in which
floating-point numbers are added (as between two runs of the daily query).

Kept current by the code that keeps the daily rows, in the same transaction: a
refresh of days recomputes their months from the daily rows; a small change
recomputes the month rows of the groups it touched (``apply_fact_changes``
locks them with the day groups on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, delete, func, or_, select, tuple_

from kontrol.store.tables import ROLLUP_PARTS, kpi_month_rollups, kpi_rollups

KEYS = ("month", "quarter", "agent", "team", "channel", "topic", "language")
# The keys that tell month groups apart (the quarter follows from the month).
GROUP_KEYS = ("month", "agent", "team", "channel", "topic", "language")
_NULLABLE = ("agent", "team", "topic", "language")
_GROUPS_PER_STATEMENT = 50

MonthGroup = tuple[Any, ...]  # the values of GROUP_KEYS


def months_of(days: Iterable[str]) -> list[str]:
    """The month keys (2026-11) of local days (2026-11-02)."""
    return sorted({day[:7] for day in days})


def _recompute(connection: Connection, scope: Any) -> None:
    r, m = kpi_rollups, kpi_month_rollups
    keys = [r.c.workspace_id, *(r.c[name] for name in KEYS)]
    connection.execute(delete(m).where(*scope(m)))
    connection.execute(
        m.insert().from_select(
            ["workspace_id", *KEYS, "rows", *ROLLUP_PARTS],
            select(*keys, *(func.sum(r.c[name]) for name in ("rows", *ROLLUP_PARTS)))
            .where(*scope(r))
            .group_by(*keys),
        )
    )


def rebuild_months(
    connection: Connection, workspace_id: int | None, months: Sequence[str] | None
) -> None:
    """Recompute the month rows of these months (all with ``None``) from the daily rows."""

    def scope(table: Any) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if workspace_id is not None:
            where.append(table.c.workspace_id == workspace_id)
        if months is not None:
            where.append(table.c.month.in_(months))
        return where

    _recompute(connection, scope)


def _groups_scope(workspace_id: int, groups: Sequence[MonthGroup]) -> Any:
    """Conditions that select exactly these month groups' rows (``IN`` never matches
    NULL: groups with the same empty keys share one row-value ``IN`` over the others)."""
    patterns: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for group in groups:
        values = dict(zip(GROUP_KEYS, group, strict=True))
        empty = tuple(name for name in _NULLABLE if values[name] is None)
        patterns.setdefault(empty, []).append(
            tuple(values[name] for name in GROUP_KEYS if name not in empty)
        )

    def scope(table: Any) -> list[ColumnElement[bool]]:
        alternatives = [
            and_(
                *(table.c[name].is_(None) for name in empty),
                tuple_(*(table.c[name] for name in GROUP_KEYS if name not in empty)).in_(rows),
            )
            for empty, rows in sorted(patterns.items())
        ]
        return [table.c.workspace_id == workspace_id, or_(*alternatives)]

    return scope


def refresh_groups(connection: Connection, workspace_id: int, groups: Sequence[MonthGroup]) -> None:
    """Recompute the month rows of these month groups from their daily rows."""
    ordered = sorted(set(groups), key=repr)
    for start in range(0, len(ordered), _GROUPS_PER_STATEMENT):
        _recompute(
            connection, _groups_scope(workspace_id, ordered[start : start + _GROUPS_PER_STATEMENT])
        )
