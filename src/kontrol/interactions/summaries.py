"""Interaction summaries: the row of the list, also the head of one interaction's page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, func, select

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import interaction_scope
from kontrol.domain.clock import from_utc, zone
from kontrol.domain.ratings import is_rating_only
from kontrol.interactions.evaluation_filters import latest_score
from kontrol.store.tables import agents, interaction_signals, interactions, surveys


@dataclass(frozen=True)
class InteractionSummary:
    """A row of the interaction list."""

    id: int
    source: str
    external_id: str
    channel: str
    direction: str
    started_at: datetime
    ended_at: datetime | None
    status: str | None
    agent_id: str | None
    agent_name: str | None
    team: str | None
    customer_id: str | None
    customer_name: str | None
    topic: str | None
    language: str | None
    message_count: int
    is_complaint: bool
    csat: int | None
    nps: int | None
    score: float | None = None
    # False while the checks have not run (a queued job waiting for a worker, or an
    # import killed after its commit: ``kontrol rescore`` scores it).
    scored: bool = True
    # The customer's dissatisfaction (signal ``dissatisfied``); None before the checks ran.
    dissatisfied: bool | None = None

    @property
    def rating_only(self) -> bool:
        """A QR or kiosk rating: no conversation, nothing for the checks or a reviewer."""
        return is_rating_only(self.source)

    def as_json(self) -> dict[str, Any]:
        """The API form."""
        data = dict(self.__dict__)
        data["started_at"] = self.started_at.isoformat()
        data["ended_at"] = self.ended_at.isoformat() if self.ended_at else None
        return data


def summary_query(viewer: Viewer) -> Select[Any]:
    """The list's columns for the interactions ``viewer`` may see (add conditions to it)."""
    csat = (
        select(surveys.c.csat)
        .where(surveys.c.interaction_id == interactions.c.id)
        .limit(1)
        .scalar_subquery()
    )
    nps = (
        select(surveys.c.nps)
        .where(surveys.c.interaction_id == interactions.c.id)
        .limit(1)
        .scalar_subquery()
    )
    agent_name = (
        select(agents.c.name)
        .where(
            agents.c.workspace_id == interactions.c.workspace_id,
            agents.c.external_id == interactions.c.agent_external_id,
        )
        .scalar_subquery()
    )
    return select(
        interactions.c.id,
        interactions.c.source,
        interactions.c.external_id,
        interactions.c.channel,
        interactions.c.direction,
        interactions.c.started_at,
        interactions.c.ended_at,
        interactions.c.status,
        interactions.c.agent_external_id,
        func.coalesce(interactions.c.agent_name, agent_name).label("agent_name"),
        interactions.c.team,
        interactions.c.customer_id,
        interactions.c.customer_name,
        interactions.c.topic,
        interactions.c.language,
        interactions.c.message_count,
        interactions.c.is_complaint,
        csat.label("csat"),
        nps.label("nps"),
        latest_score().label("score"),
        exists().where(interaction_signals.c.interaction_id == interactions.c.id).label("scored"),
        select(interaction_signals.c.dissatisfied)
        .where(interaction_signals.c.interaction_id == interactions.c.id)
        .scalar_subquery()
        .label("dissatisfied"),
    ).where(interactions.c.workspace_id == viewer.workspace.id, interaction_scope(viewer))


def summary(row: Any, viewer: Viewer) -> InteractionSummary:
    """A row of :func:`summary_query`, its times in the workspace zone."""
    local = zone(viewer.workspace.timezone)
    return InteractionSummary(
        id=row.id,
        source=row.source,
        external_id=row.external_id,
        channel=row.channel,
        direction=row.direction,
        started_at=from_utc(row.started_at, local),
        ended_at=from_utc(row.ended_at, local) if row.ended_at else None,
        status=row.status,
        agent_id=row.agent_external_id,
        agent_name=row.agent_name,
        team=row.team,
        customer_id=row.customer_id,
        customer_name=row.customer_name,
        topic=row.topic,
        language=row.language,
        message_count=row.message_count,
        is_complaint=bool(row.is_complaint),
        csat=row.csat,
        nps=row.nps,
        score=row.score,
        scored=bool(row.scored),
        dissatisfied=None if row.dissatisfied is None else bool(row.dissatisfied),
    )
