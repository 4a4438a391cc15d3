"""Figures Kontrol measures itself, to pre-fill the audit items that say ``measure``.

- ``check:<id>``: the share of the period's interactions where the check passed,
  of those it applied to (``promise_kept``, ``spelling``, ``greeting``,
  ``no_rudeness``...), from the stored check outcomes;
- ``kpi:<id>``: a KPI's headline figure (``frt`` median seconds, ``sla`` %...);
- ``bot_containment``: of the conversations a bot took part in, the share that
  ended without an agent.

Each figure comes with a link to the interactions or the dashboard behind it.
The scope of the audit narrows the figures: a team or a channel; a company or
a place counts the whole workspace.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Connection, and_, case, exists, func, select

from kontrol.accounts.workspaces import Workspace
from kontrol.audits.template_yaml import BOT_CONTAINMENT
from kontrol.domain.clock import to_utc, zone
from kontrol.domain.vocabulary import Role
from kontrol.improvement.effects import kpi_value
from kontrol.metrics.registry import metrics
from kontrol.store.tables import check_outcomes, interactions, messages


@dataclass(frozen=True, slots=True)
class Measured:
    """One figure for an audit item, with what it was counted from."""

    value: float | None
    unit: str
    link: str
    # How many interactions the figure counts (None for a KPI).
    basis: int | None

    def as_json(self) -> dict[str, Any]:
        return {"value": self.value, "unit": self.unit, "link": self.link, "basis": self.basis}


@dataclass(frozen=True, slots=True)
class Scope:
    """Where and when an audit measures."""

    kind: str
    value: str
    first: date
    last: date

    @property
    def filters(self) -> dict[str, str]:
        if self.kind in ("team", "channel") and self.value:
            return {self.kind: self.value}
        return {}


def _range(workspace: Workspace, scope: Scope) -> tuple[datetime, datetime]:
    local = zone(workspace.timezone)
    start = to_utc(datetime.combine(scope.first, time.min), local)
    end = to_utc(datetime.combine(scope.last + timedelta(days=1), time.min), local)
    return start, end


def _where(workspace: Workspace, scope: Scope) -> ColumnElement[bool]:
    start, end = _range(workspace, scope)
    conditions = [
        interactions.c.workspace_id == workspace.id,
        interactions.c.started_at >= start,
        interactions.c.started_at < end,
    ]
    for name, value in scope.filters.items():
        conditions.append(interactions.c[name] == value)
    return and_(*conditions)


def _interactions_link(scope: Scope, **extra: str) -> str:
    params = {
        **scope.filters,
        "date_from": scope.first.isoformat(),
        "date_to": scope.last.isoformat(),
        **extra,
    }
    return "/interactions?" + urlencode(params)


def check_pass_rate(
    connection: Connection, workspace: Workspace, scope: Scope, check_id: str
) -> Measured:
    """The share (%) of the scope's interactions where ``check_id`` passed, of those it judged."""
    result = check_outcomes.c.verdicts[(check_id, "result")].as_string()
    row = connection.execute(
        select(
            func.sum(case((result == "pass", 1), else_=0)),
            func.count(),
        )
        .select_from(
            check_outcomes.join(interactions, interactions.c.id == check_outcomes.c.interaction_id)
        )
        .where(_where(workspace, scope), result.in_(("pass", "fail")))
    ).one()
    passed, judged = int(row[0] or 0), int(row[1] or 0)
    value = round(100.0 * passed / judged, 1) if judged else None
    return Measured(value, "%", _interactions_link(scope, failed=check_id), judged)


def bot_containment(connection: Connection, workspace: Workspace, scope: Scope) -> Measured:
    """Of the scope's conversations with a bot message, the share (%) without an agent."""
    has_bot = exists().where(
        messages.c.interaction_id == interactions.c.id, messages.c.role == Role.BOT.value
    )
    has_agent = exists().where(
        messages.c.interaction_id == interactions.c.id, messages.c.role == Role.AGENT.value
    )
    bot_only = and_(~has_agent, interactions.c.agent_external_id.is_(None))
    row = connection.execute(
        select(
            func.count(),
            func.sum(case((bot_only, 1), else_=0)),
        ).where(_where(workspace, scope), has_bot)
    ).one()
    total, contained = int(row[0] or 0), int(row[1] or 0)
    value = round(100.0 * contained / total, 1) if total else None
    return Measured(value, "%", _interactions_link(scope), total)


def kpi_figure(
    connection: Connection, workspace: Workspace, scope: Scope, metric_id: str
) -> Measured:
    """A KPI's headline figure over the scope."""
    metric = metrics.get(metric_id)
    value = kpi_value(connection, workspace, metric_id, scope.first, scope.last, scope.filters)
    if value is not None:
        value = round(value, 1)
    params = {
        "date_from": scope.first.isoformat(),
        "date_to": scope.last.isoformat(),
        **scope.filters,
    }
    return Measured(value, metric.unit, "/dashboard?" + urlencode(params), None)


def measure_item(connection: Connection, workspace: Workspace, scope: Scope, spec: str) -> Measured:
    """The figure a template item's ``measure`` names."""
    if spec == BOT_CONTAINMENT:
        return bot_containment(connection, workspace, scope)
    kind, _, ident = spec.partition(":")
    if kind == "check":
        return check_pass_rate(connection, workspace, scope, ident)
    return kpi_figure(connection, workspace, scope, ident)
