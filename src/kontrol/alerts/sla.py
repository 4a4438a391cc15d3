"""Alert when an interaction's first response missed its channel's target (METRICS.md ``sla``).

Calls: speed of answer, ``started_at`` − ``queued_at``. Text channels: first
response time, the first ``agent`` message − (``queued_at``, else the first
``customer`` message). Only handled interactions count (inbound, not
abandoned, with an agent); one whose times go backwards gives no alert.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from sqlalchemy import Connection, func, select

from kontrol.alerts.kinds import (
    ALERT_KINDS,
    AlertKind,
    AlertRule,
    Finding,
    interaction_details,
    scope_condition,
)
from kontrol.rules.params import Param
from kontrol.store.tables import interactions, messages

CHUNK = 400
# Targets of METRICS.md, seconds; each is a parameter a rule may change.
TARGETS = {"call": 20, "chat": 60, "messenger": 300, "email": 4 * 3600, "social": 3600}


@ALERT_KINDS.register
class SlaBreached(AlertKind):
    """First response slower than the channel target (seconds per channel)."""

    name: ClassVar[str] = "sla_breached"
    params: ClassVar[tuple[Param, ...]] = tuple(
        Param(f"target_{channel}", seconds, 1, 7 * 24 * 3600)
        for channel, seconds in TARGETS.items()
    )
    triggers: ClassVar[frozenset[str]] = frozenset({"interactions"})

    def on_interactions(
        self, connection: Connection, rule: AlertRule, ids: Sequence[int], since: datetime
    ) -> list[Finding]:
        """Handled interactions just stored whose first response missed the target."""
        findings: list[Finding] = []
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            rows = connection.execute(
                select(interactions)
                .where(
                    interactions.c.workspace_id == rule.workspace_id,
                    interactions.c.id.in_(chunk),
                    interactions.c.started_at >= since,
                    interactions.c.direction == "inbound",
                    interactions.c.agent_external_id.is_not(None),
                    interactions.c.status.is_(None) | (interactions.c.status != "abandoned"),
                    interactions.c.channel.in_(list(TARGETS)),
                    scope_condition(rule),
                )
                .order_by(interactions.c.id)
            ).all()
            text_ids = [row.id for row in rows if row.channel != "call"]
            firsts: dict[tuple[int, str], datetime] = {}
            if text_ids:
                for interaction_id, role, first_at in connection.execute(
                    select(messages.c.interaction_id, messages.c.role, func.min(messages.c.at))
                    .where(
                        messages.c.interaction_id.in_(text_ids),
                        messages.c.role.in_(["agent", "customer"]),
                        messages.c.at.is_not(None),
                    )
                    .group_by(messages.c.interaction_id, messages.c.role)
                ):
                    firsts[(interaction_id, role)] = first_at
            for row in rows:
                if row.channel == "call":
                    if row.queued_at is None:
                        continue
                    seconds = (row.started_at - row.queued_at).total_seconds()
                else:
                    answered = firsts.get((row.id, "agent"))
                    asked = row.queued_at or firsts.get((row.id, "customer"))
                    if answered is None or asked is None:
                        continue
                    seconds = (answered - asked).total_seconds()
                target = rule.params[f"target_{row.channel}"]
                if seconds < 0 or seconds <= target:
                    continue
                details = interaction_details(row) | {
                    "seconds": int(seconds),
                    "target": int(target),
                }
                findings.append(
                    Finding(
                        subject=f"interaction:{row.id}",
                        interaction_id=row.id,
                        team=row.team,
                        channel=row.channel,
                        details=details,
                    )
                )
        return findings
