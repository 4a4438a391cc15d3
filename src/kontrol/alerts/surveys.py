"""Alerts on survey answers: a low CSAT, an NPS detractor."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, Connection, func, select

from kontrol.alerts.kinds import (
    ALERT_KINDS,
    AlertKind,
    AlertRule,
    Finding,
    interaction_details,
    scope_condition,
)
from kontrol.ingest.survey_storing import answered_last
from kontrol.rules.params import Param
from kontrol.store.tables import interactions, surveys

CHUNK = 400


def _low_answers(
    connection: Connection,
    rule: AlertRule,
    ids: Sequence[int],
    since: datetime,
    scale: str,
    condition: ColumnElement[bool],
) -> list[Any]:
    """Answers on ``scale`` matching ``condition``, answered in the lookback and with
    the survey's latest answer (a later answer on another scale raises nothing)."""
    answered = surveys.c[f"{scale}_at"]
    rows: list[Any] = []
    for start in range(0, len(ids), CHUNK):
        rows.extend(
            connection.execute(
                select(
                    interactions.c.id,
                    interactions.c.external_id,
                    interactions.c.channel,
                    interactions.c.agent_name,
                    interactions.c.agent_external_id,
                    interactions.c.team,
                    surveys.c.csat,
                    surveys.c.nps,
                    surveys.c.comment,
                )
                .join(surveys, surveys.c.interaction_id == interactions.c.id)
                .where(
                    interactions.c.workspace_id == rule.workspace_id,
                    interactions.c.id.in_(ids[start : start + CHUNK]),
                    func.coalesce(answered, interactions.c.started_at) >= since,
                    answered_last(scale),
                    condition,
                    scope_condition(rule),
                )
                .order_by(interactions.c.id)
            )
        )
    return rows


def _finding(row: Any, **values: Any) -> Finding:
    details = interaction_details(row) | values
    details["comment"] = (row.comment or "")[:500]
    return Finding(
        subject=f"interaction:{row.id}",
        interaction_id=row.id,
        team=row.team,
        channel=row.channel,
        details=details,
    )


@ALERT_KINDS.register
class CsatAtMost(AlertKind):
    """A customer rated an interaction ``threshold`` or lower on the 1–5 CSAT scale."""

    name: ClassVar[str] = "csat_at_most"
    params: ClassVar[tuple[Param, ...]] = (Param("threshold", 2, 1, 4),)
    triggers: ClassVar[frozenset[str]] = frozenset({"surveys"})

    def on_surveys(
        self, connection: Connection, rule: AlertRule, ids: Sequence[int], since: datetime
    ) -> list[Finding]:
        """Answers with ``csat <= threshold``."""
        condition = surveys.c.csat <= int(rule.params["threshold"])
        rows = _low_answers(connection, rule, ids, since, "csat", condition)
        return [_finding(row, csat=row.csat) for row in rows]


@ALERT_KINDS.register
class NpsDetractor(AlertKind):
    """A customer answered NPS ``threshold`` or lower (0–6 are detractors)."""

    name: ClassVar[str] = "nps_detractor"
    params: ClassVar[tuple[Param, ...]] = (Param("threshold", 6, 0, 9),)
    triggers: ClassVar[frozenset[str]] = frozenset({"surveys"})

    def on_surveys(
        self, connection: Connection, rule: AlertRule, ids: Sequence[int], since: datetime
    ) -> list[Finding]:
        """Answers with ``nps <= threshold``."""
        condition = surveys.c.nps <= int(rule.params["threshold"])
        rows = _low_answers(connection, rule, ids, since, "nps", condition)
        return [_finding(row, nps=row.nps) for row in rows]
