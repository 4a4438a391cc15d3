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

Kept current with the fine table in the same transaction: a refresh of days
rebuilds the days' rows from the fine histograms; a live push moves the same
bucket counts (``move_counts``), by increments, so concurrent pushes into one
day add up.
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
from kontrol.store.tables import kpi_dimension_buckets, kpi_rollup_buckets

ALL = "all"
DIMENSION_NAMES = (ALL, *DIMENSIONS)
PERIODS = ("day", "week", "month", "quarter")
# The rollup group keys, in the order of metrics/rollups.py KEYS.
_KEYS = (*PERIODS, "agent", "team", "channel", "topic", "language")

Key = tuple[str, str, str | None, str, int]  # day, dimension, value, measure, bucket


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


def _coarse(changes: Mapping[tuple[tuple[Any, ...], str, int], int]) -> dict[Key, int]:
    """The changes of fine (group, measure, bucket) counts as changes of these rows."""
    moved: Counter[Key] = Counter()
    for (group, measure, bucket), change in changes.items():
        values = dict(zip(_KEYS, group, strict=True))
        for dimension in DIMENSION_NAMES:
            value = None if dimension == ALL else values[dimension]
            moved[(values["day"], dimension, value, measure, bucket)] += change
    return {key: change for key, change in moved.items() if change}


def _stored(connection: Connection, workspace_id: int, keys: Sequence[Key]) -> dict[Key, int]:
    d = kpi_dimension_buckets
    found: Counter[Key] = Counter()
    named = sorted({(day, dim, value) for day, dim, value, _, _ in keys if value is not None})
    unnamed = sorted({(day, dim) for day, dim, value, _, _ in keys if value is None})
    measures = sorted({measure for _, _, _, measure, _ in keys})
    queries: list[ColumnElement[bool]] = []
    if named:
        queries.append(tuple_(d.c.day, d.c.dimension, d.c.value).in_(named))
    if unnamed:
        queries.append(d.c.value.is_(None) & tuple_(d.c.day, d.c.dimension).in_(unnamed))
    for condition in queries:
        rows = connection.execute(
            select(d.c.day, d.c.dimension, d.c.value, d.c.measure, d.c.bucket, d.c.n).where(
                d.c.workspace_id == workspace_id, d.c.measure.in_(measures), condition
            )
        )
        for row in rows:
            found[(row.day, row.dimension, row.value, row.measure, int(row.bucket))] += int(row.n)
    return dict(found)


def move_counts(
    connection: Connection,
    workspace_id: int,
    changes: Mapping[tuple[tuple[Any, ...], str, int], int],
) -> bool:
    """Move the counts of the rows that fine histogram ``changes`` fall in.

    Counts move by ``n = n + change``, so concurrent pushes into the same day
    add up (a row is locked while it moves); a row that reaches zero stays
    (a refresh drops it). Returns False when the rows disagree with the change
    (a count would go below zero): the caller rebuilds the days instead.
    """
    moved = _coarse(changes)
    if not moved:
        return True
    keys = sorted(moved, key=repr)
    stored = _stored(connection, workspace_id, keys)
    if any(stored.get(key, 0) + moved[key] < 0 for key in keys):
        return False
    d = kpi_dimension_buckets
    periods = {group[0]: group[: len(PERIODS)] for group, _, _ in changes}
    where = [
        d.c.workspace_id == workspace_id,
        d.c.dimension == bindparam("k_dimension"),
        d.c.day == bindparam("k_day"),
        d.c.measure == bindparam("k_measure"),
        d.c.bucket == bindparam("k_bucket"),
    ]
    named: list[dict[str, Any]] = []
    unnamed: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    for key in keys:
        day, dimension, value, measure, bucket = key
        if key not in stored:
            inserts.append(
                {
                    "workspace_id": workspace_id,
                    **dict(zip(PERIODS, periods[day], strict=True)),
                    "dimension": dimension,
                    "value": value,
                    "measure": measure,
                    "bucket": bucket,
                    "n": moved[key],
                }
            )
            continue
        bound = {
            "k_day": day,
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
    return True
