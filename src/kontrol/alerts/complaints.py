"""Alerts on complaints: each complaint, and a day with far more complaints than usual."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar

from sqlalchemy import Connection, and_, case, func, select

from kontrol.alerts.kinds import (
    ALERT_KINDS,
    AlertKind,
    AlertRule,
    Finding,
    interaction_details,
    scope_condition,
)
from kontrol.domain.clock import from_utc, to_utc, zone
from kontrol.rules.params import Param
from kontrol.store.tables import interactions

CHUNK = 400
# The spike check looks at the days of newly stored complaints, at most this many.
MAX_DAYS_PER_EVENT = 7


@ALERT_KINDS.register
class Complaint(AlertKind):
    """An interaction tagged ``complaint`` (or with topic ``complaint``)."""

    name: ClassVar[str] = "complaint"
    triggers: ClassVar[frozenset[str]] = frozenset({"interactions"})

    def on_interactions(
        self, connection: Connection, rule: AlertRule, ids: Sequence[int], since: datetime
    ) -> list[Finding]:
        """Every complaint among the interactions just stored."""
        findings: list[Finding] = []
        for start in range(0, len(ids), CHUNK):
            rows = connection.execute(
                select(interactions)
                .where(
                    interactions.c.workspace_id == rule.workspace_id,
                    interactions.c.id.in_(ids[start : start + CHUNK]),
                    interactions.c.started_at >= since,
                    (interactions.c.is_complaint.is_(True)) | (interactions.c.topic == "complaint"),
                    scope_condition(rule),
                )
                .order_by(interactions.c.id)
            )
            for row in rows:
                details = interaction_details(row) | {"topic": row.topic or "—"}
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


def _complaint() -> Any:
    return (interactions.c.is_complaint.is_(True)) | (interactions.c.topic == "complaint")


@ALERT_KINDS.register
class ComplaintsSpike(AlertKind):
    """Complaints of one day (workspace time zone) above mean + ``sigmas`` × σ of the
    ``days`` days before it, and at least ``min_count`` of them."""

    name: ClassVar[str] = "complaints_spike"
    params: ClassVar[tuple[Param, ...]] = (
        Param("sigmas", 3, 0.5, 10, integer=False),
        Param("days", 28, 7, 366),
        Param("min_count", 5, 1, 100_000),
    )
    triggers: ClassVar[frozenset[str]] = frozenset({"interactions", "schedule"})

    def on_interactions(
        self, connection: Connection, rule: AlertRule, ids: Sequence[int], since: datetime
    ) -> list[Finding]:
        """Checks the days of the complaints just stored."""
        local = zone(rule.timezone)
        days: set[date] = set()
        for start in range(0, len(ids), CHUNK):
            moments = connection.execute(
                select(interactions.c.started_at).where(
                    interactions.c.workspace_id == rule.workspace_id,
                    interactions.c.id.in_(ids[start : start + CHUNK]),
                    interactions.c.started_at >= since,
                    _complaint(),
                    scope_condition(rule),
                )
            ).scalars()
            days.update(from_utc(moment, local).date() for moment in moments)
        findings: list[Finding] = []
        for day in sorted(days)[-MAX_DAYS_PER_EVENT:]:
            found = self.check_day(connection, rule, day)
            if found is not None:
                findings.append(found)
        return findings

    def on_schedule(self, connection: Connection, rule: AlertRule, now: datetime) -> list[Finding]:
        """Checks today (in the workspace time zone) so far."""
        today = from_utc(now, zone(rule.timezone)).date()
        found = self.check_day(connection, rule, today)
        return [found] if found is not None else []

    def check_day(self, connection: Connection, rule: AlertRule, day: date) -> Finding | None:
        """A finding when ``day`` is a spike; one query counts all the days in SQL."""
        local = zone(rule.timezone)
        history = int(rule.params["days"])
        first = day - timedelta(days=history)
        # Day boundaries in UTC (time-zone and DST correct): history days, then the day itself.
        bounds = [
            to_utc(datetime.combine(first + timedelta(days=i), time()), local)
            for i in range(history + 2)
        ]
        columns = [
            func.sum(
                case(
                    (
                        and_(
                            interactions.c.started_at >= bounds[i],
                            interactions.c.started_at < bounds[i + 1],
                        ),
                        1,
                    ),
                    else_=0,
                )
            )
            for i in range(history + 1)
        ]
        row = connection.execute(
            select(*columns).where(
                interactions.c.workspace_id == rule.workspace_id,
                interactions.c.started_at >= bounds[0],
                interactions.c.started_at < bounds[-1],
                _complaint(),
                scope_condition(rule),
            )
        ).one()
        counts = [int(value or 0) for value in row]
        past, today = counts[:-1], counts[-1]
        mean = sum(past) / len(past)
        sigma = math.sqrt(sum((count - mean) ** 2 for count in past) / len(past))
        limit = mean + rule.params["sigmas"] * sigma
        if today < rule.params["min_count"] or today <= limit:
            return None
        return Finding(
            subject=f"scope:{rule.scope_team or '*'}:{rule.scope_channel or '*'}",
            window=day.isoformat(),
            team=rule.scope_team,
            channel=rule.scope_channel,
            details={
                "day": day.isoformat(),
                "count": today,
                "mean": round(mean, 1),
                "sigma": round(sigma, 1),
                "limit": round(limit, 1),
                "team": rule.scope_team or "—",
                "channel": rule.scope_channel or "—",
            },
        )
