"""Where quality is lost: each agent against each automatic check, for one date range.

A cell is the share of the agent's conversations that failed the check
(``check_failures``, one row per failed check and interaction), over all the
agent's conversations of the range; the sample size stands beside it. Only the
checks that failed at least once are columns (the most failed first), and the
agents with the most conversations are rows, so the table stays readable on
a 60-seat centre. Checks bound only to bonus criteria of the active scorecards
(the upsell, usually) are left out: a bonus not earned is no failure. The
filters are the dashboard's, narrowed by ``kpi_scope``. The counts are read
from their rollup, ``heat_cells`` (``metrics/heat_cells.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Connection, and_, func, select

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import kpi_scope
from kontrol.checks.scorecards import bonus_checks
from kontrol.domain.clock import to_utc, zone
from kontrol.metrics.date_ranges import DateRange
from kontrol.metrics.heat_cells import CONVERSATIONS
from kontrol.store.tables import check_failures, heat_cells, interactions

MOST_AGENTS = 30
MOST_CHECKS = 12
# Filters of the dashboard that are columns of ``interactions``.
_COLUMNS = {
    "agent": interactions.c.agent_external_id,
    "team": interactions.c.team,
    "channel": interactions.c.channel,
    "topic": interactions.c.topic,
}


@dataclass(frozen=True)
class HeatRow:
    """One agent: their conversations and, per check, how many failed it."""

    agent: str
    name: str
    conversations: int
    failures: Mapping[str, int]

    def share(self, check: str) -> float:
        """Failed conversations of ``check`` as a percentage of the agent's conversations."""
        return 100.0 * self.failures.get(check, 0) / self.conversations


@dataclass(frozen=True)
class Heatmap:
    """Agents × failed checks over ``dates``."""

    dates: DateRange
    checks: tuple[str, ...]
    rows: tuple[HeatRow, ...]


def _conditions(viewer: Viewer, filters: Mapping[str, str], dates: DateRange) -> list[Any]:
    local = zone(viewer.workspace.timezone)
    start = to_utc(datetime.combine(dates.first, time.min), local)
    end = to_utc(datetime.combine(dates.last + timedelta(days=1), time.min), local)
    found: list[ColumnElement[bool]] = [
        interactions.c.workspace_id == viewer.workspace.id,
        interactions.c.started_at >= start,
        interactions.c.started_at < end,
        interactions.c.agent_external_id.is_not(None),
    ]
    for name, value in kpi_scope(viewer, filters).items():
        if name in _COLUMNS and value:
            found.append(_COLUMNS[name] == value)
    return found


def _rolled_up(
    connection: Connection, viewer: Viewer, scope: Mapping[str, str], dates: DateRange
) -> tuple[list[Any], list[Any]]:
    """The volumes and failures from ``heat_cells`` (no topic filter)."""
    h = heat_cells
    where: list[ColumnElement[bool]] = [
        h.c.workspace_id == viewer.workspace.id,
        h.c.day >= dates.first.isoformat(),
        h.c.day <= dates.last.isoformat(),
    ]
    for name in ("agent", "team", "channel"):
        if scope.get(name):
            where.append(h.c[name] == scope[name])
    total = func.sum(h.c.n)
    volumes = connection.execute(
        select(h.c.agent.label("agent_external_id"), total.label("n"))
        .where(*where, h.c.check_id == CONVERSATIONS)
        .group_by(h.c.agent)
        .order_by(total.desc(), h.c.agent)
        .limit(MOST_AGENTS)
    ).all()
    if not volumes:
        return [], []
    failed = connection.execute(
        select(h.c.agent.label("agent_external_id"), h.c.check_id, total.label("n"))
        .where(
            *where,
            h.c.check_id != CONVERSATIONS,
            h.c.check_id.not_in(bonus_checks(connection, viewer.workspace.id)),
            h.c.agent.in_([row.agent_external_id for row in volumes]),
        )
        .group_by(h.c.agent, h.c.check_id)
    ).all()
    return list(volumes), list(failed)


def _scanned(
    connection: Connection, viewer: Viewer, filters: Mapping[str, str], dates: DateRange
) -> tuple[list[Any], list[Any]]:
    """The volumes and failures counted from the interactions (a topic filter)."""
    where = _conditions(viewer, filters, dates)
    volumes = connection.execute(
        select(interactions.c.agent_external_id, func.count().label("n"))
        .where(*where)
        .group_by(interactions.c.agent_external_id)
        .order_by(func.count().desc(), interactions.c.agent_external_id)
        .limit(MOST_AGENTS)
    ).all()
    if not volumes:
        return [], []
    agents = [row.agent_external_id for row in volumes]
    failed = connection.execute(
        select(
            interactions.c.agent_external_id,
            check_failures.c.check_id,
            func.count().label("n"),
        )
        .join(
            check_failures,
            and_(
                check_failures.c.interaction_id == interactions.c.id,
                check_failures.c.workspace_id == interactions.c.workspace_id,
            ),
        )
        .where(
            *where,
            interactions.c.agent_external_id.in_(agents),
            check_failures.c.check_id.not_in(bonus_checks(connection, viewer.workspace.id)),
        )
        .group_by(interactions.c.agent_external_id, check_failures.c.check_id)
    ).all()
    return list(volumes), list(failed)


def build_heatmap(
    connection: Connection,
    viewer: Viewer,
    filters: Mapping[str, str],
    dates: DateRange,
    agent_names: Mapping[str, str],
) -> Heatmap:
    """The agents × checks table the viewer may see (``kpi_scope`` applies).

    Read from the ``heat_cells`` rollup unless a topic narrows it (the rollup is
    by day, agent, team and channel only): then counted from the interactions.
    Both give the same numbers (``tests/metrics/test_heat_cells.py``).
    """
    scope = kpi_scope(viewer, filters)
    if scope.get("topic"):
        volumes, failed = _scanned(connection, viewer, filters, dates)
    else:
        volumes, failed = _rolled_up(connection, viewer, scope, dates)
    if not volumes:
        return Heatmap(dates, (), ())
    agents = [row.agent_external_id for row in volumes]
    per_agent: dict[str, dict[str, int]] = {agent: {} for agent in agents}
    totals: dict[str, int] = {}
    for row in failed:
        per_agent[row.agent_external_id][row.check_id] = int(row.n)
        totals[row.check_id] = totals.get(row.check_id, 0) + int(row.n)
    checks = tuple(sorted(totals, key=lambda check: (-totals[check], check))[:MOST_CHECKS])
    rows = tuple(
        HeatRow(
            agent=row.agent_external_id,
            name=agent_names.get(row.agent_external_id, row.agent_external_id),
            conversations=int(row.n),
            failures=per_agent[row.agent_external_id],
        )
        for row in volumes
    )
    return Heatmap(dates, checks, rows)


def failing_link(dates: DateRange, check: str, scope: Mapping[str, str]) -> str:
    """The conversations of ``scope`` (an agent, a team) that failed ``check`` in ``dates``:
    the link a heat map cell leads to."""
    return "/interactions?" + urlencode(
        {
            **scope,
            "failed": check,
            "date_from": dates.first.isoformat(),
            "date_to": dates.last.isoformat(),
        }
    )
