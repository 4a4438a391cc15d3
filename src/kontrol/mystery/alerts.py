"""The alert kind of mystery shopping: a shop scored below a threshold.

Registered through the ``kontrol.alert_kinds`` entry point ``mystery``, exactly
as any other package's kinds; raised, de-duplicated and delivered by the
alerting service like every other alert (one alert per shop).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from sqlalchemy import Connection, select

from kontrol.alerts.kinds import ALERT_KINDS, AlertKind, AlertRule, Finding
from kontrol.rules.params import Param
from kontrol.settings import current_settings
from kontrol.store.tables import mystery_programmes, mystery_submissions


@ALERT_KINDS.register
class MysteryLowScore(AlertKind):
    """A mystery shop submitted recently scored below ``score_below`` (0-100).

    Checked by the periodic check over the shops submitted in the last
    ``KONTROL_ALERT_LOOKBACK_DAYS``; a rule scoped to a team or a channel
    watches only the shops of that team (own targets) or channel.
    """

    name: ClassVar[str] = "mystery_low_score"
    params: ClassVar[tuple[Param, ...]] = (Param("score_below", 60, 1, 100),)
    triggers: ClassVar[frozenset[str]] = frozenset({"schedule"})

    def on_schedule(self, connection: Connection, rule: AlertRule, now: datetime) -> list[Finding]:
        """Every recent shop under the threshold."""
        s = mystery_submissions
        since = now - timedelta(days=current_settings().alert_lookback_days)
        query = (
            select(
                s.c.id,
                s.c.score,
                s.c.target_key,
                s.c.target_kind,
                s.c.scenario_key,
                s.c.team,
                s.c.channel,
                s.c.month,
                mystery_programmes.c.title,
            )
            .join(mystery_programmes, mystery_programmes.c.id == s.c.programme_id)
            .where(
                s.c.workspace_id == rule.workspace_id,
                s.c.submitted_at >= since,
                s.c.score.is_not(None),
                s.c.score < rule.params["score_below"],
            )
            .order_by(s.c.id)
        )
        if rule.scope_team:
            query = query.where(s.c.team == rule.scope_team)
        if rule.scope_channel:
            query = query.where(s.c.channel == rule.scope_channel)
        return [
            Finding(
                subject=f"mystery:{row.id}",
                team=row.team,
                channel=row.channel,
                details={
                    "submission_id": row.id,
                    "programme": row.title,
                    "target": row.target_key,
                    "kind": row.target_kind,
                    "scenario": row.scenario_key,
                    "score": round(float(row.score), 1),
                    "threshold": rule.params["score_below"],
                    "month": row.month,
                },
            )
            for row in connection.execute(query)
        ]
