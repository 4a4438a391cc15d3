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
kept apart is in ``lock_facts`` (docs/metrics.md, "Concurrent writers").
"""

from __future__ import annotations

import math
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    and_,
    bindparam,
    case,
    delete,
    func,
    literal,
    or_,
    select,
    tuple_,
    update,
)

from kontrol.metrics.definitions import (
    CountMetric,
    MeanMetric,
    Metric,
    RatioMetric,
    TimeMetric,
    count_where,
    is_true,
)
from kontrol.metrics.query import (
    PERCENTILES,
    Grouping,
    GroupKey,
    has_calendars,
    number,
    percentiles_into,
)
from kontrol.metrics.registry import catalogue
from kontrol.store.database import hold_write_lock
from kontrol.store.tables import (
    ROLLUP_PARTS,
    interaction_facts,
    kpi_rollup_buckets,
    kpi_rollups,
)

KEYS = ("day", "week", "month", "quarter", "agent", "team", "channel", "topic", "language")

# Bucket 0 is [0, 1 s); bucket k (1..112) is [G**(k-1), G**k) with G = 10**(1/16),
# so from 1 s to 10**7 s (116 days) every bucket is 15.5 % wider than the previous
# one; bucket 113 holds everything from 10**7 s up (estimated as 10**7 s).
STEPS_PER_DECADE = 16
DECADES = 7
BOUNDS: tuple[float, ...] = tuple(
    10 ** (k / STEPS_PER_DECADE) for k in range(STEPS_PER_DECADE * DECADES + 1)
)
GROWTH = 10 ** (1 / STEPS_PER_DECADE)
LAST_BUCKET = len(BOUNDS)

TIME_COLUMNS = tuple(sorted({m.column for m in catalogue() if isinstance(m, TimeMetric)}))

_DAYS_PER_STATEMENT = 200


def bucket_of(value: float) -> int:
    """The bucket of a value, exactly as the SQL expression computes it."""
    bucket = 0
    for bound in BOUNDS:
        if value >= bound:
            bucket += 1
        else:
            break
    return bucket


def bucket_range(bucket: int) -> tuple[float, float]:
    """The lower and upper end of a bucket (the last one is clamped to its lower end)."""
    if bucket == 0:
        return 0.0, BOUNDS[0]
    if bucket >= LAST_BUCKET:
        return BOUNDS[-1], BOUNDS[-1]
    return BOUNDS[bucket - 1], BOUNDS[bucket]


def _bucket_expression(value: ColumnElement[Any], low: int, high: int) -> ColumnElement[Any]:
    """The bucket index of ``value`` known to lie in buckets low..high: a binary search."""
    if low == high:
        return literal(low)
    middle = (low + high + 1) // 2
    # Buckets >= middle start at BOUNDS[middle - 1].
    return case(
        (value < BOUNDS[middle - 1], _bucket_expression(value, low, middle - 1)),
        else_=_bucket_expression(value, middle, high),
    )


def parts(metric: Metric, f: Any) -> dict[str, ColumnElement[Any]]:
    """The additive parts of a facts metric as aggregates over the facts, by rollup column."""
    if isinstance(metric, RatioMetric):
        return {f"{metric.id}_num": metric.numerator(f), f"{metric.id}_den": metric.denominator(f)}
    if isinstance(metric, CountMetric):
        return {metric.id: metric.count(f)}
    if isinstance(metric, MeanMetric | TimeMetric):
        column = f.c[metric.column]
        return {f"{metric.id}_sum": func.sum(column), f"{metric.id}_n": func.count(column)}
    if metric.kind == "count_ratio" and metric.id == "complaints":
        return {
            f"{metric.id}_num": count_where(is_true(f.c.complaint)),
            f"{metric.id}_den": func.count(),
        }
    return {}


def covered(metric: Metric) -> bool:
    """True when the rollup table holds every additive part of this facts metric."""
    names = set(parts(metric, interaction_facts))
    return bool(names) and names <= set(ROLLUP_PARTS)


# Advisory locks (PostgreSQL). Per workspace one bigint key, this offset plus its
# id: whole-day rewrites take it exclusively, small changes share it. Small changes
# then lock (space, slot) pairs: one slot per interaction, one per rollup group.
_LOCK_SPACE = 0x4B4F_0000
_INTERACTION_LOCKS = 0x4B4F_0001
_GROUP_LOCKS = 0x4B4F_0002
_INT4 = 2**31
_LOCKS_PER_STATEMENT = 100
_GROUPS_PER_STATEMENT = 50

# A rewrite of at most this many interactions' facts is small: it locks just them
# and refreshes just the rollup groups it touched. Larger ones (import batches of
# 1,000) lock the workspace and recompute whole days, which is cheaper per
# interaction when a batch fills most groups of its days. An effects backlog batch
# (up to 250 pushed interactions, plus the earlier contacts they change) must stay
# small: recomputing the whole of today on every batch made its cost grow with the
# day (docs/benchmarks.md, "Ingest API at 500 requests/s").
SMALL_CHANGE = 512

# The columns of a facts row that rollup maintenance reads.
FACT_COLUMNS = (*KEYS, *TIME_COLUMNS)

Group = tuple[Any, ...]  # the values of KEYS


def lock_workspace_facts(connection: Connection, workspace_id: int | None) -> None:
    """Hold, until the caller's transaction ends, the sole right to rewrite a
    workspace's facts and rollups.

    Facts and rollup rows are rewritten by delete-then-insert of whole sets (a
    customer's recent contacts, a day). Two imports doing that at once under
    PostgreSQL's READ COMMITTED would insert the same fact twice (a unique-key
    error) or a day's rollup rows twice (double counting). A transaction-scoped
    advisory lock per workspace puts them one after the other; small changes
    (``lock_facts``) share it, so they wait for a whole-day rewrite and it for
    them. SQLite has one writer at a time already.
    """
    if connection.dialect.name == "postgresql":
        key = _LOCK_SPACE + (workspace_id or 0)
        connection.execute(select(func.pg_advisory_xact_lock(key)))


def _advisory_pairs(connection: Connection, space: int, keys: Iterable[int]) -> None:
    # In ascending order, so that two transactions never wait for each other.
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), _LOCKS_PER_STATEMENT):
        part = ordered[start : start + _LOCKS_PER_STATEMENT]
        values = {"space": space, **{f"k{number}": key for number, key in enumerate(part)}}
        connection.execute(_lock_statement(len(part)), values)


@lru_cache(maxsize=_LOCKS_PER_STATEMENT)
def _lock_statement(count: int) -> Any:
    # PostgreSQL evaluates the select list left to right: the locks are taken in order.
    space = bindparam("space", type_=Integer)
    return select(
        *(
            func.pg_advisory_xact_lock(space, bindparam(f"k{number}", type_=Integer))
            for number in range(count)
        )
    )


def lock_facts(connection: Connection, workspace_id: int, interaction_ids: Sequence[int]) -> bool:
    """Lock what rewriting these interactions' facts needs; True for a small change.

    Small (at most ``SMALL_CHANGE`` interactions): the workspace lock shared and
    one lock per interaction, so pushes for other interactions go on in
    parallel; the rollups are then kept by group (``apply_fact_changes`` locks
    the groups). Otherwise the workspace lock, exclusively. Every read of the
    facts' inputs comes after this, so whichever transaction rewrites a fact
    last sees every change committed before it.
    """
    small = len(interaction_ids) <= SMALL_CHANGE
    hold_write_lock(connection)
    if connection.dialect.name != "postgresql":
        return small
    if not small:
        lock_workspace_facts(connection, workspace_id)
        return False
    connection.execute(select(func.pg_advisory_xact_lock_shared(_LOCK_SPACE + workspace_id)))
    _advisory_pairs(connection, _INTERACTION_LOCKS, (i % _INT4 for i in interaction_ids))
    return True


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
        (column, _bucket_expression(f.c[column], 0, LAST_BUCKET).label("bucket"))
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


def _group_lock_key(workspace_id: int, group: Group) -> int:
    # A stable hash (Python's own is salted per process); collisions only serialise.
    named = repr((workspace_id, *(group[KEYS.index(name)] for name in _GROUP_KEYS)))
    return zlib.crc32(named.encode()) - _INT4


def apply_fact_changes(
    connection: Connection,
    workspace_id: int,
    old: Sequence[Mapping[str, Any]],
    new: Sequence[Mapping[str, Any]],
) -> None:
    """Bring the rollups in line with a small change of facts, from ``old`` to ``new``.

    ``old`` are the facts rows deleted, ``new`` those written (each with
    ``FACT_COLUMNS``), in a transaction where ``lock_facts`` answered True
    (a large change calls ``refresh_days`` for the days it touched instead).
    The additive parts of the groups touched are recomputed from their facts;
    their histogram counts move by the values that left and came.
    """
    groups = sorted({_group(row) for row in (*old, *new)}, key=repr)
    if not groups:
        return
    if connection.dialect.name == "postgresql":
        _advisory_pairs(
            connection, _GROUP_LOCKS, (_group_lock_key(workspace_id, g) for g in groups)
        )
    for start in range(0, len(groups), _GROUPS_PER_STATEMENT):
        part = groups[start : start + _GROUPS_PER_STATEMENT]
        _rewrite(connection, _groups_scope(workspace_id, part), histograms=False)
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


def _rewrite_histograms(connection: Connection, workspace_id: int, groups: Sequence[Group]) -> None:
    for start in range(0, len(groups), _GROUPS_PER_STATEMENT):
        part = groups[start : start + _GROUPS_PER_STATEMENT]
        _rewrite(connection, _groups_scope(workspace_id, part), additive=False)


def _conditions(table: Any, grouping: Grouping) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [table.c.workspace_id == grouping.workspace_id]
    if grouping.date_from is not None:
        conditions.append(table.c.day >= grouping.date_from.isoformat())
    if grouping.date_to is not None:
        conditions.append(table.c.day <= grouping.date_to.isoformat())
    for name, value in grouping.filters.items():
        conditions.append(table.c[name] == value)
    return conditions


def _groups(table: Any, grouping: Grouping) -> list[ColumnElement[Any]]:
    columns: list[ColumnElement[Any]] = [table.c[name].label(name) for name in grouping.by]
    if grouping.period is not None:
        columns.append(table.c[grouping.period.value].label("period"))
    return columns


def rows_in_scope(connection: Connection, grouping: Grouping) -> int:
    """How many facts a report covers, read from the rollups."""
    total = connection.execute(
        select(func.sum(kpi_rollups.c.rows)).where(*_conditions(kpi_rollups, grouping))
    ).scalar()
    return int(total or 0)


def rollup_metrics(
    connection: Connection,
    grouping: Grouping,
    metrics: Sequence[Metric],
    *,
    estimate_percentiles: bool,
) -> dict[GroupKey, dict[str, Any]]:
    """The same rows as ``query.facts_metrics``, summed from the rollups.

    With ``estimate_percentiles`` medians and p90 come from the bucket histograms;
    otherwise from the exact window query over the facts.
    """
    r = kpi_rollups
    groups = _groups(r, grouping)
    names = ["rows"]
    for metric in metrics:
        names.extend(parts(metric, interaction_facts))
    statement = select(*groups, *(func.sum(r.c[name]).label(name) for name in names)).where(
        *_conditions(r, grouping)
    )
    if groups:
        statement = statement.group_by(*groups)
    rows: dict[GroupKey, dict[str, Any]] = {}
    for row in connection.execute(statement).mappings():
        if not row["rows"]:
            continue
        key = tuple(row[name] for name in grouping.keys)
        out: dict[str, Any] = {}
        for metric in metrics:
            if isinstance(metric, RatioMetric) or metric.kind == "count_ratio":
                num, den = number(row[f"{metric.id}_num"]), number(row[f"{metric.id}_den"])
                out[f"{metric.id}_num"] = num
                out[f"{metric.id}_den"] = den
                share = num * metric_scale(metric) / den if num is not None and den else None
                if metric.kind == "count_ratio":
                    out[metric.id] = num
                    out[f"{metric.id}_pct"] = share
                else:
                    out[metric.id] = share
            elif isinstance(metric, CountMetric):
                out[metric.id] = number(row[metric.id])
            elif isinstance(metric, MeanMetric | TimeMetric):
                total, count = number(row[f"{metric.id}_sum"]), number(row[f"{metric.id}_n"])
                mean = total / count if total is not None and count else None
                out[metric.id if isinstance(metric, MeanMetric) else f"{metric.id}_mean"] = mean
        rows[key] = out
    time_metrics = [m for m in metrics if isinstance(m, TimeMetric)]
    if not time_metrics:
        return rows
    if not estimate_percentiles:
        percentiles_into(connection, grouping, time_metrics, rows)
        return rows
    calendars = has_calendars(connection, grouping)
    columns: dict[str, list[TimeMetric]] = {}
    for metric in time_metrics:
        column = metric.column
        if column.endswith("_business_s") and not calendars:
            column = column.replace("_business_s", "_s")
        columns.setdefault(column, []).append(metric)
    b = kpi_rollup_buckets
    bucket_groups = _groups(b, grouping)
    statement = (
        select(*bucket_groups, b.c.measure, b.c.bucket, func.sum(b.c.n).label("n"))
        .where(*_conditions(b, grouping), b.c.measure.in_(sorted(columns)))
        .group_by(*bucket_groups, b.c.measure, b.c.bucket)
    )
    histograms: dict[tuple[GroupKey, str], list[tuple[int, int]]] = {}
    for row in connection.execute(statement).mappings():
        key = tuple(row[name] for name in grouping.keys)
        histograms.setdefault((key, row["measure"]), []).append((int(row["bucket"]), int(row["n"])))
    for (key, column), histogram in histograms.items():
        if key not in rows:
            continue
        values = estimate(histogram)
        for metric in columns.get(column, []):
            for suffix, value in values.items():
                rows[key][f"{metric.id}{suffix}"] = value
    return rows


def metric_scale(metric: Metric) -> float:
    """The factor of a ratio (100 for percentages)."""
    return metric.scale if isinstance(metric, RatioMetric) else 100.0


def estimate(histogram: Sequence[tuple[int, int]]) -> dict[str, float]:
    """Median and p90 estimated from (bucket, count) pairs.

    The values of a bucket are taken as spread evenly over it (the i-th of c at
    ``low + (high - low) * (i + 0.5) / c``); the percentile then interpolates
    between the two neighbouring ranks exactly as ``percentile_cont`` does.
    """
    ordered = sorted(histogram)
    total = sum(count for _, count in ordered)

    def at_rank(rank: int) -> float:
        seen = 0
        for bucket, count in ordered:
            if rank < seen + count:
                low, high = bucket_range(bucket)
                return low + (high - low) * (rank - seen + 0.5) / count
            seen += count
        low, high = bucket_range(ordered[-1][0])
        return high

    found: dict[str, float] = {}
    for suffix, percent in PERCENTILES.items():
        position = percent * (total - 1) / 100
        lower = math.floor(position)
        below = at_rank(lower)
        above = at_rank(lower + 1) if lower + 1 < total else below
        found[suffix] = below + (above - below) * (position - lower)
    return found
