"""The alert kind of the improvement plan: an action that went past its due date.

Registered through the ``kontrol.alert_kinds`` entry point ``improvement``,
exactly as any other package's kinds; raised, de-duplicated and delivered by
the alerting service like every other alert: one alert per action and due
date, so moving the date and missing it again raises a new one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from sqlalchemy import Connection, select
from sqlalchemy.orm import aliased

from kontrol.alerts.kinds import ALERT_KINDS, AlertKind, AlertRule, Finding
from kontrol.domain.clock import from_utc, zone
from kontrol.improvement.actions import ACTIVE
from kontrol.rules.params import Param
from kontrol.store.tables import improvement_actions, users


@ALERT_KINDS.register
class ActionOverdue(AlertKind):
    """An open or in-progress action whose due date passed ``days_late`` days ago or more.

    Checked by the periodic check against today in the workspace's time zone; a
    rule scoped to a team watches only that team's actions (a rule scoped to a
    channel finds nothing: actions have no channel).
    """

    name: ClassVar[str] = "action_overdue"
    params: ClassVar[tuple[Param, ...]] = (Param("days_late", 1, 1, 365),)
    triggers: ClassVar[frozenset[str]] = frozenset({"schedule"})

    def on_schedule(self, connection: Connection, rule: AlertRule, now: datetime) -> list[Finding]:
        """Every active action of the workspace late by at least ``days_late`` days."""
        if rule.scope_channel:
            return []
        a = improvement_actions
        owner = aliased(users)
        today = from_utc(now, zone(rule.timezone)).date()
        latest_due = today - timedelta(days=int(rule.params["days_late"]))
        query = (
            select(a.c.id, a.c.title, a.c.team, a.c.due_on, owner.c.display_name.label("owner"))
            .select_from(a.outerjoin(owner, owner.c.id == a.c.owner_id))
            .where(
                a.c.workspace_id == rule.workspace_id,
                a.c.status.in_(ACTIVE),
                a.c.due_on.is_not(None),
                a.c.due_on <= latest_due,
            )
            .order_by(a.c.due_on, a.c.id)
        )
        if rule.scope_team:
            query = query.where(a.c.team == rule.scope_team)
        return [
            Finding(
                subject=f"action:{row.id}",
                window=row.due_on.isoformat(),
                team=row.team,
                details={
                    "action_id": row.id,
                    "title": row.title,
                    "owner": row.owner or "—",
                    "due_on": row.due_on.isoformat(),
                    "days_late": (today - row.due_on).days,
                },
            )
            for row in connection.execute(query)
        ]
