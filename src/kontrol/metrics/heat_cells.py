"""The heat map's rollup: conversations and failed checks per day, agent, team, channel.

``heat_cells`` holds, per (workspace, local day, agent, team, channel of the
interaction),
how many conversations the agent handled (``check_id`` "") and, per automatic
check, how many of them failed it (``check_failures``). The heat map
(``metrics/heatmap.py``) sums a month of it, tens of thousands of rows at most, instead of
scanning the month's interactions twice. The numbers are those of the
interactions themselves: the team is the interaction's own (not filled in from
the agent list as the facts do; "" for none), the day and agent are the facts'
(the local day of ``started_at`` in the workspace's time zone), so a cell's count
is what its link to the interaction list lists.

Kept current in the transactions that keep the other rollups: a refresh of
days (imports, ``kontrol rollup``, a rebuild) rebuilds the days' rows; a small
change of facts (a live push) and a change of evaluations (``refresh_qa_facts``:
scoring, rescoring, reviews) rebuild the (day, agent) groups they touch, which
covers a change of team or of failed checks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, delete, func, literal, or_, select

from kontrol.metrics.rollup_locks import lock_groups
from kontrol.store.tables import check_failures, heat_cells, interaction_facts, interactions

CONVERSATIONS = ""  # the check_id of the row counting the conversations
_COLUMNS = ["workspace_id", "day", "agent", "team", "channel", "check_id", "n"]
_GROUPS_PER_STATEMENT = 50
_DAYS_PER_STATEMENT = 200

Scope = Any  # table -> list of conditions


def _rewrite(connection: Connection, scope: Scope) -> None:
    """Delete the rows ``scope(table)`` selects and recount them from the interactions."""
    f, i = interaction_facts, interactions
    connection.execute(delete(heat_cells).where(*scope(heat_cells)))
    team = func.coalesce(i.c.team, "").label("team")
    # The day and agent of the facts (the agent is the interaction's), so that a
    # group's rows are deleted and recounted by the same keys even while the facts
    # of a changed interaction wait for their rewrite (which refreshes both groups).
    keys = [f.c.workspace_id, f.c.day, f.c.agent, team, i.c.channel]
    joined = f.join(i, i.c.id == f.c.interaction_id)
    where = [*scope(f), f.c.agent.is_not(None)]
    connection.execute(
        heat_cells.insert().from_select(
            _COLUMNS,
            select(*keys, literal(CONVERSATIONS).label("check_id"), func.count())
            .select_from(joined)
            .where(*where)
            .group_by(*keys),
        )
    )
    failed = joined.join(
        check_failures,
        and_(
            check_failures.c.interaction_id == f.c.interaction_id,
            check_failures.c.workspace_id == f.c.workspace_id,
        ),
    )
    connection.execute(
        heat_cells.insert().from_select(
            _COLUMNS,
            select(*keys, check_failures.c.check_id, func.count())
            .select_from(failed)
            .where(*where)
            .group_by(*keys, check_failures.c.check_id),
        )
    )


def refresh_heat_days(
    connection: Connection, workspace_id: int | None, days: Sequence[str] | None
) -> None:
    """Recount these local days (every day with ``None``) of a workspace (of all)."""

    def scope(table: Any) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if workspace_id is not None:
            where.append(table.c.workspace_id == workspace_id)
        if days is not None:
            where.append(table.c.day.in_(days))
        return where

    _rewrite(connection, scope)


def refresh_heat_groups(
    connection: Connection, workspace_id: int, groups: Iterable[tuple[str, str | None]]
) -> None:
    """Recount these (day, agent) groups of a workspace (a small change)."""
    ordered = sorted({(day, agent) for day, agent in groups if agent is not None})
    if not ordered:
        return
    if connection.dialect.name == "postgresql":
        lock_groups(connection, workspace_id, (("heat", day, agent) for day, agent in ordered))
    for start in range(0, len(ordered), _GROUPS_PER_STATEMENT):
        part = ordered[start : start + _GROUPS_PER_STATEMENT]

        def scope(table: Any, part: Sequence[tuple[str, str]] = part) -> list[Any]:
            return [
                table.c.workspace_id == workspace_id,
                or_(*(and_(table.c.day == day, table.c.agent == agent) for day, agent in part)),
            ]

        _rewrite(connection, scope)


def refresh_heat_changes(
    connection: Connection,
    workspace_id: int,
    small: bool,
    rows: Iterable[Mapping[str, Any]],
    *,
    done: Iterable[str] = (),
) -> None:
    """Recount the heat map rows of these facts rows (each with ``day`` and ``agent``):
    by (day, agent) group for a ``small`` change, else by day but the days ``done``."""
    groups = {(row["day"], row["agent"]) for row in rows}
    if small:
        refresh_heat_groups(connection, workspace_id, groups)
        return
    days = sorted({day for day, _ in groups} - set(done))
    for start in range(0, len(days), _DAYS_PER_STATEMENT):
        refresh_heat_days(connection, workspace_id, days[start : start + _DAYS_PER_STATEMENT])
