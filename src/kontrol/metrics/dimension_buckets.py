"""Histograms by one dimension: ``kpi_rollup_buckets`` summed over the other group keys.

A dashboard asks for medians and p90 of a company, a team, an agent or a
channel, broken down by at most that one dimension. ``kpi_rollup_buckets``
keeps a histogram per (day, agent, team, channel, topic, language): at a
million interactions a month that is about 2.4 million rows a month, and
summing a month of them took 2 s. ``kpi_dimension_buckets`` keeps, per day,
the same counts summed over every key but one ``dimension`` ("all" for none):
histograms add up, so a report that filters and groups by that one dimension
gets exactly the histogram, and so exactly the estimate, it got from the fine
table, from a fraction of the rows. Any other report reads the fine table.

``kpi_dimension_months`` holds the same rows summed per month: a report over
whole months reads them for those months (``rollup_reads``), 28-31 times fewer.

Kept current with the fine table in the same transaction: a refresh of days
rebuilds the days' rows from the fine histograms, then their months' rows from
the days'; a live push moves the same bucket counts in both (``move_counts``),
by increments, so concurrent pushes into one day add up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    String,
    bindparam,
    delete,
    func,
    literal,
    select,
    tuple_,
    update,
)

from kontrol.metrics.query import DIMENSIONS, Grouping
from kontrol.store.tables import kpi_dimension_buckets, kpi_dimension_months, kpi_rollup_buckets

ALL = "all"
DIMENSION_NAMES = (ALL, *DIMENSIONS)
PERIODS = ("day", "week", "month", "quarter")
# The rollup group keys, in the order of metrics/rollups.py KEYS.
_KEYS = (*PERIODS, "agent", "team", "channel", "topic", "language")


def dimension_of(grouping: Grouping) -> str | None:
    """The one dimension a report groups and filters by (``ALL`` for none), or None."""
    named = set(grouping.by) | set(grouping.filters)
    if len(named) > 1:
        return None
    return next(iter(named), ALL)


def rebuild_dimension_buckets(
    connection: Connection, workspace_id: int | None, days: Sequence[str] | None
) -> None:
    """Recompute the rows of these days (all days with ``None``) from the fine histograms."""
    d, b = kpi_dimension_buckets, kpi_rollup_buckets
    d_where: list[ColumnElement[bool]] = []
    b_where: list[ColumnElement[bool]] = []
    if workspace_id is not None:
        d_where.append(d.c.workspace_id == workspace_id)
        b_where.append(b.c.workspace_id == workspace_id)
    if days is not None:
        d_where += [d.c.dimension.in_(DIMENSION_NAMES), d.c.day.in_(days)]
        b_where.append(b.c.day.in_(days))
    connection.execute(delete(d).where(*d_where))
    for dimension in DIMENSION_NAMES:
        keys: list[ColumnElement[Any]] = [b.c.workspace_id, *(b.c[name] for name in PERIODS)]
        value: ColumnElement[Any] = literal(None, String())
        if dimension != ALL:
            value = b.c[dimension]
            keys.append(value)
        connection.execute(
            d.insert().from_select(
                ["workspace_id", *PERIODS, "dimension", "value", "measure", "bucket", "n"],
                select(
                    *keys[: 1 + len(PERIODS)],
                    literal(dimension).label("dimension"),
                    value.label("value"),
                    b.c.measure,
                    b.c.bucket,
                    func.sum(b.c.n),
                )
                .where(*b_where)
                .group_by(*keys, b.c.measure, b.c.bucket),
            )
        )
    _rebuild_months(connection, workspace_id, None if days is None else _months(days))


def _coarse(
    changes: Mapping[tuple[tuple[Any, ...], str, int], int],
) -> dict[tuple[str, str, str | None, str, int], int]:
    """The changes of fine (group, measure, bucket) counts as changes of these rows."""
    moved: Counter[tuple[str, str, str | None, str, int]] = Counter()
    for (group, measure, bucket), change in changes.items():
        values = dict(zip(_KEYS, group, strict=True))
        for dimension in DIMENSION_NAMES:
            value = None if dimension == ALL else values[dimension]
            moved[(values["day"], dimension, value, measure, bucket)] += change
    return {key: change for key, change in moved.items() if change}


_MONTH_KEYS = ("workspace_id", "month", "quarter", "dimension", "value", "measure", "bucket")


def _rebuild_months(
    connection: Connection, workspace_id: int | None, months: Sequence[str] | None
) -> None:
    """Recompute the month rows of these months (all with ``None``) from the day rows."""
    d, m = kpi_dimension_buckets, kpi_dimension_months
    m_where: list[ColumnElement[bool]] = []
    d_where: list[ColumnElement[bool]] = []
    if workspace_id is not None:
        m_where.append(m.c.workspace_id == workspace_id)
        d_where.append(d.c.workspace_id == workspace_id)
    if months is not None:
        m_where += [m.c.dimension.in_(DIMENSION_NAMES), m.c.month.in_(months)]
        d_where += [d.c.dimension.in_(DIMENSION_NAMES), d.c.month.in_(months)]
    connection.execute(delete(m).where(*m_where))
    keys = [d.c[name] for name in _MONTH_KEYS]
    connection.execute(
        m.insert().from_select(
            [*_MONTH_KEYS, "n"],
            select(*keys, func.sum(d.c.n)).where(*d_where).group_by(*keys),
        )
    )


def _months(days: Sequence[str]) -> list[str]:
    """The month keys (2026-11) of local days (2026-11-02)."""
    return sorted({day[:7] for day in days})


# A row of either table: (day or month, dimension, value, measure, bucket).
Key = tuple[str, str, str | None, str, int]


class _Level:
    """One of the two tables moved by a live push: by day, or by month."""

    def __init__(self, table: Any, period: str, others: Sequence[str]) -> None:
        self.table = table
        self.period = period  # the column that keys a row's time: day or month
        self.others = others  # the coarser period columns an inserted row also carries


_DAYS = _Level(kpi_dimension_buckets, "day", ("week", "month", "quarter"))
_MONTHS = _Level(kpi_dimension_months, "month", ("quarter",))


def _stored(
    connection: Connection, level: _Level, workspace_id: int, keys: Sequence[Key]
) -> dict[Key, int]:
    d = level.table
    at = d.c[level.period]
    found: Counter[Key] = Counter()
    named = sorted({(day, dim, value) for day, dim, value, _, _ in keys if value is not None})
    unnamed = sorted({(day, dim) for day, dim, value, _, _ in keys if value is None})
    measures = sorted({measure for _, _, _, measure, _ in keys})
    queries: list[ColumnElement[bool]] = []
    if named:
        queries.append(tuple_(at, d.c.dimension, d.c.value).in_(named))
    if unnamed:
        queries.append(d.c.value.is_(None) & tuple_(at, d.c.dimension).in_(unnamed))
    for condition in queries:
        rows = connection.execute(
            select(at.label("at"), d.c.dimension, d.c.value, d.c.measure, d.c.bucket, d.c.n).where(
                d.c.workspace_id == workspace_id, d.c.measure.in_(measures), condition
            )
        )
        for row in rows:
            found[(row.at, row.dimension, row.value, row.measure, int(row.bucket))] += int(row.n)
    return dict(found)


def _write(
    connection: Connection,
    level: _Level,
    workspace_id: int,
    moved: Mapping[Key, int],
    stored: Mapping[Key, int],
    periods: Mapping[str, Mapping[str, str]],
) -> None:
    """Move the counts of ``moved`` (rows in ``stored`` by increments, the others inserted)."""
    d = level.table
    where = [
        d.c.workspace_id == workspace_id,
        d.c.dimension == bindparam("k_dimension"),
        d.c[level.period] == bindparam("k_at"),
        d.c.measure == bindparam("k_measure"),
        d.c.bucket == bindparam("k_bucket"),
    ]
    named: list[dict[str, Any]] = []
    unnamed: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    for key in sorted(moved, key=repr):
        at, dimension, value, measure, bucket = key
        if key not in stored:
            inserts.append(
                {
                    "workspace_id": workspace_id,
                    level.period: at,
                    **{name: periods[at][name] for name in level.others},
                    "dimension": dimension,
                    "value": value,
                    "measure": measure,
                    "bucket": bucket,
                    "n": moved[key],
                }
            )
            continue
        bound = {
            "k_at": at,
            "k_dimension": dimension,
            "k_measure": measure,
            "k_bucket": bucket,
            "change": moved[key],
        }
        if value is None:
            unnamed.append(bound)
        else:
            named.append({**bound, "k_value": value})
    if named:
        connection.execute(
            update(d)
            .where(*where, d.c.value == bindparam("k_value"))
            .values(n=d.c.n + bindparam("change")),
            named,
        )
    if unnamed:
        connection.execute(
            update(d).where(*where, d.c.value.is_(None)).values(n=d.c.n + bindparam("change")),
            unnamed,
        )
    if inserts:
        connection.execute(d.insert(), inserts)


def move_counts(
    connection: Connection,
    workspace_id: int,
    changes: Mapping[tuple[tuple[Any, ...], str, int], int],
) -> bool:
    """Move the counts of the rows (by day and by month) that fine histogram ``changes``
    fall in.

    Counts move by ``n = n + change``, so concurrent pushes into the same day
    add up (a row is locked while it moves); a row that reaches zero stays
    (a refresh drops it). Returns False when the rows disagree with the change
    (a count would go below zero): the caller rebuilds the days instead.
    """
    by_day = _coarse(changes)
    if not by_day:
        return True
    by_month: Counter[Key] = Counter()
    for (day, dimension, value, measure, bucket), change in by_day.items():
        by_month[(day[:7], dimension, value, measure, bucket)] += change
    periods: dict[str, dict[str, str]] = {}
    for group, _, _ in changes:
        values = dict(zip(_KEYS, group, strict=True))
        periods[values["day"]] = values
        periods[values["month"]] = values
    levels = [(_DAYS, by_day), (_MONTHS, {k: v for k, v in by_month.items() if v})]
    found = []
    for level, moved in levels:
        stored = _stored(connection, level, workspace_id, sorted(moved, key=repr))
        if any(stored.get(key, 0) + change < 0 for key, change in moved.items()):
            return False
        found.append(stored)
    for (level, moved), stored in zip(levels, found, strict=True):
        _write(connection, level, workspace_id, moved, stored, periods)
    return True
