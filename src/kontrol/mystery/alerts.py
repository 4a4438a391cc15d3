"""The alert kind of mystery shopping: a shop scored below a threshold.

Registered through the ``kontrol.alert_kinds`` entry point ``mystery``, exactly
as any other package's kinds; raised, de-duplicated and delivered by the
alerting service like every other alert (one alert per shop of our own service).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from sqlalchemy import Connection, select

from kontrol.alerts.kinds import ALERT_KINDS, AlertKind, AlertRule, Finding
from kontrol.domain.errors import KontrolError
from kontrol.mystery.programmes import ProgrammeSpec, load_programme_yaml
from kontrol.rules.params import Param
from kontrol.settings import current_settings
from kontrol.store.tables import mystery_programmes, mystery_submissions


@ALERT_KINDS.register
class MysteryLowScore(AlertKind):
    """A mystery shop of our own service submitted recently scored below ``score_below``.

    Shops of competitors (``kind: competitor``) never raise it: they are the
    market's figures to compare with, not a failure of our service.

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
                mystery_programmes.c.yaml,
            )
            .join(mystery_programmes, mystery_programmes.c.id == s.c.programme_id)
            .where(
                s.c.workspace_id == rule.workspace_id,
                # A competitor's low score is market research, not our service failing.
                s.c.target_kind == "own",
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
        specs: dict[str, ProgrammeSpec | None] = {}
        findings: list[Finding] = []
        for row in connection.execute(query):
            if row.yaml not in specs:
                specs[row.yaml] = _spec(row.yaml)
            target, scenario = _titles(specs[row.yaml], row.target_key, row.scenario_key)
            findings.append(
                Finding(
                    subject=f"mystery:{row.id}",
                    team=row.team,
                    channel=row.channel,
                    details={
                        "submission_id": row.id,
                        "programme": row.title,
                        "target": row.target_key,
                        "target_title": target,
                        "kind": row.target_kind,
                        "scenario": row.scenario_key,
                        "scenario_title": scenario,
                        "score": round(float(row.score), 1),
                        "threshold": rule.params["score_below"],
                        "month": row.month,
                    },
                )
            )
        return findings


def _spec(text: str) -> ProgrammeSpec | None:
    try:
        return load_programme_yaml(text)
    except KontrolError:
        return None


def _titles(spec: ProgrammeSpec | None, target: str, scenario: str) -> tuple[str, str]:
    """The shopped place's and the scenario's display names (their keys if gone)."""
    places = {item.key: item.title for item in spec.targets} if spec else {}
    scenarios = {item.key: item.title for item in spec.scenarios} if spec else {}
    return places.get(target, target), scenarios.get(scenario, scenario)
