"""Alerts on the automatic checks: an evaluation with a failed critical criterion."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from sqlalchemy import Connection, select

from kontrol.alerts.kinds import (
    ALERT_KINDS,
    AlertKind,
    AlertRule,
    Finding,
    interaction_details,
    scope_condition,
)
from kontrol.domain.errors import KontrolError
from kontrol.domain.scorecard import load_scorecard
from kontrol.store.tables import evaluations, interactions, scorecards

CHUNK = 400


def _criterion_title(titles: dict[str, dict[str, str]], yaml: str, criterion: str) -> str:
    """A criterion by its title in the scorecard (``titles``: the scorecards read so far)."""
    if yaml not in titles:
        try:
            card = load_scorecard(yaml)
        except KontrolError:
            card = None
        titles[yaml] = {c.id: c.title for c in card.criteria} if card is not None else {}
    return titles[yaml].get(criterion, criterion)


@ALERT_KINDS.register
class CriticalCheckFailed(AlertKind):
    """An interaction whose automatic evaluation failed a critical criterion (score 0)."""

    name: ClassVar[str] = "critical_check_failed"
    triggers: ClassVar[frozenset[str]] = frozenset({"scored"})

    def on_interactions(
        self, connection: Connection, rule: AlertRule, ids: Sequence[int], since: datetime
    ) -> list[Finding]:
        """One finding per interaction just scored with a failed critical criterion."""
        findings: list[Finding] = []
        titles: dict[str, dict[str, str]] = {}
        for start in range(0, len(ids), CHUNK):
            rows = connection.execute(
                select(
                    interactions,
                    evaluations.c["items"].label("evaluation_items"),
                    scorecards.c.title.label("scorecard_title"),
                    scorecards.c.yaml.label("scorecard_yaml"),
                )
                .join(evaluations, evaluations.c.interaction_id == interactions.c.id)
                .join(scorecards, scorecards.c.id == evaluations.c.scorecard_id)
                .where(
                    interactions.c.workspace_id == rule.workspace_id,
                    interactions.c.id.in_(ids[start : start + CHUNK]),
                    interactions.c.started_at >= since,
                    evaluations.c.kind == "auto",
                    evaluations.c.passed.is_(False),
                    scope_condition(rule),
                )
                .order_by(interactions.c.id, evaluations.c.id)
            )
            seen: set[int] = set()
            for row in rows:
                failed = [
                    _criterion_title(titles, row.scorecard_yaml, str(item.get("criterion")))
                    for item in row.evaluation_items or []
                    if item.get("critical") and item.get("result") == "fail"
                ]
                if not failed or row.id in seen:
                    continue
                seen.add(row.id)
                details = interaction_details(row) | {
                    "scorecard": row.scorecard_title,
                    "criteria": ", ".join(failed),
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
