"""Daily rollups: the additive parts of every facts metric per day and group.

``kpi_rollups`` holds, per (workspace, local day, agent, team, channel, topic,
language), each metric's own aggregates over ``interaction_facts`` (the same
Core expressions the exact query uses): numerators and denominators of ratios,
sums and counts of means, counts. Summing them over the rows of a report gives
the exact figure. ``kpi_rollup_buckets`` holds, for each time column, how many
values fell in each fixed log-spaced bucket (``BOUNDS``); median and p90 are
estimated from it by interpolation inside the bucket (see docs/metrics.md,
"Exact and rolled-up figures").

Maintenance: ``metrics/facts.write_facts`` tells ``apply_fact_changes`` the
old and new facts of the interactions it rewrote. A small change (a live push)
touches a few groups (day, agent, team, channel, topic, language): their
additive parts are recomputed from the facts of just those groups, and their
histograms get the change in bucket counts (+1 for each new value, -1 for each
old one), so a push costs the same on the first and the ten-thousandth contact
of a day. Large changes (imports, ``kontrol rollup``) go by whole days
(``refresh_days``: delete the rows of the days, recompute them). Both are exact:
the test suite compares them with a full rebuild. How concurrent writers are
kept apart is in ``lock_facts`` (``metrics/rollup_locks.py``; docs/metrics.md,
"Concurrent writers"). Reading the rollups is in ``metrics/rollup_reads.py``, the
histograms' buckets in ``metrics/histograms.py``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    bindparam,
    delete,
    func,
    literal,
    or_,
    select,
    tuple_,
    update,
)

from kontrol.metrics import dimension_buckets, month_rollups, percentile_cache
from kontrol.metrics.definitions import (
    TimeMetric,
)
from kontrol.metrics.heat_cells import refresh_heat_days
from kontrol.metrics.histograms import LAST_BUCKET, bucket_expression, bucket_of
from kontrol.metrics.registry import catalogue
from kontrol.metrics.rollup_locks import lock_groups, lock_workspace_facts
from kontrol.metrics.rollup_reads import parts
from kontrol.store.tables import (
    ROLLUP_PARTS,
    interaction_facts,
    kpi_rollup_buckets,
    kpi_rollups,
)

KEYS = ("day", "week", "month", "quarter", "agent", "team", "channel", "topic", "language")

TIME_COLUMNS = tuple(sorted({m.column for m in catalogue() if isinstance(m, TimeMetric)}))

_DAYS_PER_STATEMENT = 200
_GROUPS_PER_STATEMENT = 50

# The columns of a facts row that rollup maintenance reads.
FACT_COLUMNS = (*KEYS, *TIME_COLUMNS)

Group = tuple[Any, ...]  # the values of KEYS


@lru_cache(maxsize=1)
def _aggregations() -> tuple[
    list[ColumnElement[Any]], list[ColumnElement[Any]], list[tuple[str, ColumnElement[Any]]]
]:
    """The group keys, additive parts and bucket expressions of a refresh.

    Built once per process: the bucket expressions alone are thousands of SQL
    nodes, and building them took about 60 ms a refresh, which a live push paid.
    """
    f = interaction_facts
    keys: list[ColumnElement[Any]] = [f.c.workspace_id, *(f.c[name] for name in KEYS)]
    aggregates: dict[str, ColumnElement[Any]] = {}
    for metric in catalogue():
        if metric.source == "facts":
            aggregates.update(parts(metric, f))
    values: list[ColumnElement[Any]] = [func.count().label("rows")]
    values.extend(aggregates[name].label(name) for name in ROLLUP_PARTS)
    buckets: list[tuple[str, ColumnElement[Any]]] = [
        (column, bucket_expression(f.c[column], 0, LAST_BUCKET).label("bucket"))
        for column in TIME_COLUMNS
    ]
    return keys, values, buckets


def _rewrite(
    connection: Connection, scope: Any, *, additive: bool = True, histograms: bool = True
) -> None:
    """Delete the rollup rows that ``scope(table)`` selects and recompute them from the
    facts: the additive parts, the histograms or both."""
    f = interaction_facts
    keys, values, buckets = _aggregations()
    if additive:
        connection.execute(delete(kpi_rollups).where(*scope(kpi_rollups)))
        connection.execute(
            kpi_rollups.insert().from_select(
                ["workspace_id", *KEYS, "rows", *ROLLUP_PARTS],
                select(*keys, *values).where(*scope(f)).group_by(*keys),
            )
        )
    if not histograms:
        return
    connection.execute(delete(kpi_rollup_buckets).where(*scope(kpi_rollup_buckets)))
    for column, bucket in buckets:
        value = f.c[column]
        connection.execute(
            kpi_rollup_buckets.insert().from_select(
                ["workspace_id", *KEYS, "measure", "bucket", "n"],
                select(*keys, literal(column).label("measure"), bucket, func.count().label("n"))
                .where(*scope(f), value.is_not(None))
                .group_by(*keys, bucket),
            )
        )


def _refresh(connection: Connection, workspace_id: int | None, days: Sequence[str] | None) -> None:
    lock_workspace_facts(connection, workspace_id)

    def scope(table: Any) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if workspace_id is not None:
            where.append(table.c.workspace_id == workspace_id)
        if days is not None:
            where.append(table.c.day.in_(days))
        return where

    _rewrite(connection, scope)
    month_rollups.rebuild_months(
        connection, workspace_id, None if days is None else month_rollups.months_of(days)
    )
    dimension_buckets.rebuild_dimension_buckets(connection, workspace_id, days)
    refresh_heat_days(connection, workspace_id, days)
    percentile_cache.forget_days(connection, workspace_id, days)


def refresh_days(connection: Connection, workspace_id: int, days: Iterable[str]) -> None:
    """Recompute the rollup rows of these local days of a workspace from its facts."""
    ordered = sorted(set(days))
    for start in range(0, len(ordered), _DAYS_PER_STATEMENT):
        _refresh(connection, workspace_id, ordered[start : start + _DAYS_PER_STATEMENT])


def rebuild_rollups(connection: Connection, workspace_id: int | None) -> None:
    """Recompute every rollup row of a workspace (of all workspaces with ``None``)."""
    _refresh(connection, workspace_id, None)


# -- small changes: by group -------------------------------------------------------

# The keys that tell groups apart (week, month and quarter follow from the day).
_GROUP_KEYS = ("day", "agent", "team", "channel", "topic", "language")
_NULLABLE = ("agent", "team", "topic", "language")


def _group(row: Mapping[Any, Any]) -> Group:
    return tuple(row[name] for name in KEYS)


def _groups_scope(workspace_id: int, groups: Sequence[Group]) -> Any:
    """Conditions that select exactly these groups' rows of a facts or rollup table.

    Groups with the same empty keys share one row-value ``IN`` over the others
    (``IN`` never matches NULL): one bound list per pattern, so the statement
    is cached however many groups it names and can use the (workspace, agent,
    day) index.
    """
    patterns: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for group in groups:
        values = dict(zip(KEYS, group, strict=True))
        empty = tuple(name for name in _NULLABLE if values[name] is None)
        patterns.setdefault(empty, []).append(
            tuple(values[name] for name in _GROUP_KEYS if name not in empty)
        )

    def scope(table: Any) -> list[ColumnElement[bool]]:
        alternatives = [
            and_(
                *(table.c[name].is_(None) for name in empty),
                tuple_(*(table.c[name] for name in _GROUP_KEYS if name not in empty)).in_(rows),
            )
            for empty, rows in sorted(patterns.items())
        ]
        return [table.c.workspace_id == workspace_id, or_(*alternatives)]

    return scope


def apply_fact_changes(
    connection: Connection,
    workspace_id: int,
    old: Sequence[Mapping[str, Any]],
    new: Sequence[Mapping[str, Any]],
    *,
    histograms: bool = True,
) -> None:
    """Bring the rollups in line with a small change of facts, from ``old`` to ``new``.

    ``old`` are the facts rows deleted, ``new`` those written (each with
    ``FACT_COLUMNS``), in a transaction where ``lock_facts`` answered True
    (a large change calls ``refresh_days`` for the days it touched instead).
    The additive parts of the groups touched are recomputed from their facts;
    their histogram counts move by the values that left and came (``histograms``
    false: the caller knows no time column moved, so there is nothing to count).
    """
    groups = sorted({_group(row) for row in (*old, *new)}, key=repr)
    if not groups:
        return
    months = sorted(
        {tuple(g[KEYS.index(name)] for name in month_rollups.GROUP_KEYS) for g in groups},
        key=repr,
    )
    if connection.dialect.name == "postgresql":
        # The day groups and their month groups in one sorted set of locks: two
        # changes of one month group on different days recompute its month row in turn.
        lock_groups(
            connection,
            workspace_id,
            [
                *(tuple(g[KEYS.index(name)] for name in _GROUP_KEYS) for g in groups),
                *(("month", *group) for group in months),
            ],
        )
    for start in range(0, len(groups), _GROUPS_PER_STATEMENT):
        part = groups[start : start + _GROUPS_PER_STATEMENT]
        _rewrite(connection, _groups_scope(workspace_id, part), histograms=False)
    month_rollups.refresh_groups(connection, workspace_id, months)
    percentile_cache.forget_days(connection, workspace_id, _days(groups))
    if histograms:
        _move_bucket_counts(connection, workspace_id, old, new)


BucketKey = tuple[Group, str, int]


def _bucket_changes(
    old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]
) -> dict[BucketKey, int]:
    changes: Counter[BucketKey] = Counter()
    for rows, sign in ((old, -1), (new, 1)):
        for row in rows:
            group = _group(row)
            for column in TIME_COLUMNS:
                value = row[column]
                if value is not None:
                    changes[(group, column, bucket_of(value))] += sign
    return {key: change for key, change in changes.items() if change}


def _bucket_where(b: Any) -> list[ColumnElement[bool]]:
    """Conditions on one histogram row by bound parameters (for executemany)."""
    return [
        b.c.workspace_id == bindparam("w"),
        b.c.measure == bindparam("m"),
        b.c.bucket == bindparam("b"),
        *(
            b.c[name].is_not_distinct_from(bindparam(f"k_{name}"))
            if name in _NULLABLE
            else b.c[name] == bindparam(f"k_{name}")
            for name in _GROUP_KEYS
        ),
    ]


def _move_bucket_counts(
    connection: Connection,
    workspace_id: int,
    old: Sequence[Mapping[str, Any]],
    new: Sequence[Mapping[str, Any]],
) -> None:
    changes = _bucket_changes(old, new)
    if not changes:
        return
    b = kpi_rollup_buckets
    groups = sorted({group for group, _, _ in changes}, key=repr)
    stored: dict[BucketKey, list[int]] = {}
    for start in range(0, len(groups), _GROUPS_PER_STATEMENT):
        part = groups[start : start + _GROUPS_PER_STATEMENT]
        query = select(*(b.c[name] for name in KEYS), b.c.measure, b.c.bucket, b.c.n).where(
            *_groups_scope(workspace_id, part)(b),
            b.c.measure.in_(sorted({measure for _, measure, _ in changes})),
        )
        for row in connection.execute(query).mappings():
            key = (_group(row), row["measure"], int(row["bucket"]))
            stored.setdefault(key, []).append(int(row["n"]))
    updates: list[dict[str, Any]] = []
    removals: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    for key, change in changes.items():
        group, measure, bucket = key
        counts = stored.get(key, [])
        total = sum(counts) + change
        if total < 0:
            # The histograms disagree with the facts (they were never built for
            # this group): recompute the groups' histograms from the facts instead.
            _rewrite_histograms(connection, workspace_id, groups)
            dimension_buckets.rebuild_dimension_buckets(connection, workspace_id, _days(groups))
            return
        names = dict(zip(KEYS, group, strict=True))
        where = {"w": workspace_id, "m": measure, "b": bucket}
        where.update((f"k_{name}", names[name]) for name in _GROUP_KEYS)
        if len(counts) == 1 and total > 0:
            updates.append({**where, "n_new": total})
            continue
        if counts:
            removals.append(where)
        if total > 0:
            inserts.append(
                {
                    "workspace_id": workspace_id,
                    **names,
                    "measure": measure,
                    "bucket": bucket,
                    "n": total,
                }
            )
    if updates:
        connection.execute(update(b).where(*_bucket_where(b)).values(n=bindparam("n_new")), updates)
    if removals:
        connection.execute(delete(b).where(*_bucket_where(b)), removals)
    if inserts:
        connection.execute(b.insert(), inserts)
    if not dimension_buckets.move_counts(connection, workspace_id, changes):
        dimension_buckets.rebuild_dimension_buckets(connection, workspace_id, _days(groups))


def _days(groups: Sequence[Group]) -> list[str]:
    return sorted({group[KEYS.index("day")] for group in groups})


def _rewrite_histograms(connection: Connection, workspace_id: int, groups: Sequence[Group]) -> None:
    for start in range(0, len(groups), _GROUPS_PER_STATEMENT):
        part = groups[start : start + _GROUPS_PER_STATEMENT]
        _rewrite(connection, _groups_scope(workspace_id, part), additive=False)
