"""Whether an action worked: after its due date, the KPI or the next audit against its target.

- A KPI action (``metric`` and ``target``): the KPI over the four weeks from the
  due date (up to today), of the action's team and agent when it names them,
  against the target in the action's direction.
- An audit-item action (``audit_template``, ``audit_item`` and ``target``): the
  item's answer in the next audit of that template: the first one completed
  after the action was made.

The result is ``confirmed`` or ``not_confirmed`` with the figure, ``waiting``
when the due date has passed but there is no figure yet (no data, no audit),
and ``None`` before the due date or for an action without a target.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, select

from kontrol.accounts.workspaces import Workspace
from kontrol.improvement.actions import ImprovementAction
from kontrol.metrics.kpis import compute
from kontrol.metrics.registry import metrics
from kontrol.store.tables import audit_answers, audit_templates, audits

# How long after the due date the KPI is watched.
WINDOW_DAYS = 28
# The figure an action is made against: the KPI over the four weeks before it.
BASELINE_DAYS = 28


@dataclass(frozen=True, slots=True)
class Effect:
    """What the figures say about one action after its due date."""

    status: str
    value: float | None = None
    # Where the figure comes from: "kpi" or "audit", with the audit id.
    via: str = ""
    audit_id: int | None = None
    period_from: date | None = None
    period_to: date | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "value": self.value,
            "via": self.via,
            "audit_id": self.audit_id,
            "period_from": self.period_from.isoformat() if self.period_from else None,
            "period_to": self.period_to.isoformat() if self.period_to else None,
        }


def meets(value: float, target: float, direction: str) -> bool:
    """Whether ``value`` is on the good side of ``target``."""
    return value >= target if direction == "higher" else value <= target


def kpi_value(
    connection: Connection,
    workspace: Workspace,
    metric: str,
    first: date,
    last: date,
    filters: Mapping[str, str] | None = None,
) -> float | None:
    """One KPI's headline figure over ``first``..``last`` (narrowed by KPI ``filters``)."""
    rows = compute(
        connection,
        workspace=workspace,
        metrics=[metric],
        date_from=first,
        date_to=last,
        filters=dict(filters) if filters else None,
    )
    value = rows[0].get(metric) if rows else None
    return float(value) if value is not None else None


def baseline_of(
    connection: Connection,
    workspace: Workspace,
    metric: str | None,
    team: str | None,
    today: date,
    agent: str | None = None,
) -> float | None:
    """The KPI over the four weeks up to today: the figure the action starts from (None for
    no metric or an unknown one, which the action's own checks refuse)."""
    if not metric or metric not in metrics:
        return None
    first = today - timedelta(days=BASELINE_DAYS)
    filters = {name: value for name, value in (("team", team), ("agent", agent)) if value}
    return kpi_value(connection, workspace, metric, first, today, filters)


def effect_of(
    connection: Connection, workspace: Workspace, item: ImprovementAction, today: date
) -> Effect | None:
    """The effect of ``item`` as of ``today`` (see the module docstring)."""
    if item.status == "cancelled" or item.target is None or item.due_on is None:
        return None
    if today <= item.due_on:
        return None
    if item.metric:
        last = min(today, item.due_on + timedelta(days=WINDOW_DAYS))
        pairs = (("team", item.team), ("agent", item.agent_external_id))
        filters = {name: value for name, value in pairs if value}
        value = kpi_value(connection, workspace, item.metric, item.due_on, last, filters)
        if value is None:
            return Effect("waiting", via="kpi", period_from=item.due_on, period_to=last)
        status = "confirmed" if meets(value, item.target, item.direction) else "not_confirmed"
        return Effect(status, value, "kpi", period_from=item.due_on, period_to=last)
    if item.audit_template and item.audit_item:
        row = connection.execute(
            select(audits.c.id, audit_answers.c.value)
            .select_from(
                audits.join(audit_templates, audit_templates.c.id == audits.c.template_id).join(
                    audit_answers, audit_answers.c.audit_id == audits.c.id
                )
            )
            .where(
                audits.c.workspace_id == workspace.id,
                audits.c.status == "completed",
                audit_templates.c.name == item.audit_template,
                # The next audit: completed after the action was made.
                audits.c.completed_at > item.created_at,
                audit_answers.c.item_key == item.audit_item,
                audit_answers.c.subject == "",
                audit_answers.c.value.is_not(None),
            )
            .order_by(audits.c.completed_at, audits.c.id)
            .limit(1)
        ).first()
        if row is None:
            return Effect("waiting", via="audit")
        value = float(row.value)
        status = "confirmed" if meets(value, item.target, item.direction) else "not_confirmed"
        return Effect(status, value, "audit", audit_id=int(row.id))
    return None
