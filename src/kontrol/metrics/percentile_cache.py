"""Exact medians and p90 of closed date ranges, kept once computed.

A team lead's month of 200,000 interactions costs two exact ``percentile_cont``
statements that sort the team's facts on every request (0.5-1 s at a million
interactions a month). Once a range has ended (its last day before the
workspace's today) its facts change only when something rewrites them: an
import, a late push, a rescoring, a deletion. So ``percentiles_into`` stores the
exact figures it computed for such a range in ``percentile_cache`` (one row per
workspace, first and last day, grouping and time column; the grouping is a
canonical JSON of by, period and filters) and later requests read them.

Invalidation: every rewrite of facts goes through the rollups' maintenance
(``rollups.refresh_days``, ``rebuild_rollups``, ``apply_fact_changes``), which
calls ``forget_days`` in its own transaction: it deletes the rows of the
workspace whose range overlaps the days touched (one indexed DELETE; no row
that every push updates).

Concurrency: a request fills the cache only when no writer of the workspace's
facts is in flight and none can start before the row is committed. On
PostgreSQL every writer holds the workspace's advisory lock (shared by small
changes, exclusive by whole-day rewrites, ``rollup_locks``) until it commits;
the filling request takes it exclusively with ``pg_try_advisory_xact_lock``
*before* computing: if a writer holds it the figures are computed and not
stored; otherwise the computation sees every committed change and later
writers wait for the request's transaction (so their DELETE sees its row).
PostgreSQL only: on SQLite a stored row would make a page take the database's one
write lock (and wait behind an import); SQLite's reports are small and always
computed (``forget_days`` still runs there, on an empty table).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.dialects import postgresql

from kontrol.metrics.rollup_locks import try_lock_workspace_exclusively
from kontrol.store.tables import percentile_cache

Found = dict[str, dict[tuple[Any, ...], dict[str, float]]]  # column -> group -> figures


def grouping_key(by: Sequence[str], period: str | None, filters: Mapping[str, str]) -> str:
    """The canonical JSON of what a report groups and filters by."""
    return json.dumps(
        {"by": list(by), "filters": dict(sorted(filters.items())), "period": period},
        sort_keys=True,
        separators=(",", ":"),
    )


def cached(
    connection: Connection,
    workspace_id: int,
    first: date,
    last: date,
    key: str,
    columns: Iterable[str],
) -> Found:
    """The stored figures of these columns (those not stored are left out)."""
    c = percentile_cache.c
    statement = select(c.measure, c.figures).where(
        c.workspace_id == workspace_id,
        c.first_day == first.isoformat(),
        c.last_day == last.isoformat(),
        c.grouping == key,
        c.measure.in_(sorted(set(columns))),
    )
    found: Found = {}
    for measure, figures in connection.execute(statement):
        found[measure] = {tuple(group): values for group, values in json.loads(figures)}
    return found


def may_store(connection: Connection, workspace_id: int) -> bool:
    """Order this transaction after every writer of the workspace's facts, if that
    can be done without waiting (see the module's docstring); True when it was."""
    return try_lock_workspace_exclusively(connection, workspace_id)


def store(
    connection: Connection,
    workspace_id: int,
    first: date,
    last: date,
    key: str,
    found: Found,
) -> None:
    """Keep these computed figures (a row already stored for the same key stays)."""
    rows = [
        {
            "workspace_id": workspace_id,
            "first_day": first.isoformat(),
            "last_day": last.isoformat(),
            "grouping": key,
            "measure": column,
            "figures": json.dumps(
                [[list(group), values] for group, values in sorted(groups.items(), key=repr)]
            ),
        }
        for column, groups in sorted(found.items())
    ]
    if not rows:
        return
    connection.execute(postgresql.insert(percentile_cache).on_conflict_do_nothing(), rows)


def forget_days(
    connection: Connection, workspace_id: int | None, days: Sequence[str] | None
) -> None:
    """Delete the cached figures whose range overlaps these local days (all of the
    workspace's with ``None``; of every workspace with ``workspace_id`` ``None``)."""
    c = percentile_cache.c
    where = []
    if workspace_id is not None:
        where.append(c.workspace_id == workspace_id)
    if days is not None:
        if not days:
            return
        where.extend((c.first_day <= max(days), c.last_day >= min(days)))
    connection.execute(delete(percentile_cache).where(*where))


def count_rows(connection: Connection, workspace_id: int) -> int:
    """How many figures rows a workspace has cached (tests, benchmarks)."""
    statement = select(func.count()).where(percentile_cache.c.workspace_id == workspace_id)
    return int(connection.execute(statement).scalar() or 0)
