"""The score a scorecard (saved or not) would give a checked conversation, for the editor.

It reads the verdicts the checks stored for the conversation and applies the
same rule as the automatic evaluations (``criterion_results``, ``compute_score``):
nothing is run again and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, select

from kontrol.domain.errors import NotFound
from kontrol.domain.scorecard import Score, Scorecard, compute_score, criterion_results
from kontrol.store.tables import agents, check_outcomes, interactions

SAMPLES = 40


@dataclass(frozen=True, slots=True)
class Sample:
    """A checked conversation to try a scorecard on, named as people know it."""

    id: int
    started_at: datetime
    channel: str
    language: str | None
    agent_name: str | None
    agent_id: str | None
    customer_name: str | None
    topic: str | None


@dataclass(frozen=True, slots=True)
class Preview:
    """The score of one sample, and whether the scorecard would evaluate it at all."""

    sample: Sample
    score: Score
    applies: bool
    results: dict[str, str]


def _columns() -> tuple[ColumnElement[object], ...]:
    return (
        interactions.c.id,
        interactions.c.started_at,
        interactions.c.channel,
        interactions.c.language,
        # The agent by the name the agent list gives, as everywhere else.
        func.coalesce(agents.c.name, interactions.c.agent_name).label("agent_name"),
        interactions.c.agent_external_id,
        interactions.c.customer_name,
        interactions.c.topic,
    )


def _checked() -> Any:
    """Interactions with their check outcomes and their agent from the agent list."""
    return interactions.join(
        check_outcomes, check_outcomes.c.interaction_id == interactions.c.id
    ).outerjoin(
        agents,
        and_(
            agents.c.workspace_id == interactions.c.workspace_id,
            agents.c.external_id == interactions.c.agent_external_id,
        ),
    )


def _sample(row: Any) -> Sample:
    return Sample(
        id=int(row.id),
        started_at=row.started_at,
        channel=row.channel,
        language=row.language,
        agent_name=row.agent_name,
        agent_id=row.agent_external_id,
        customer_name=row.customer_name,
        topic=row.topic,
    )


def preview_samples(
    connection: Connection, workspace_id: int, scope: ColumnElement[bool], *, limit: int = SAMPLES
) -> list[Sample]:
    """The newest checked conversations the viewer may see (``scope``), newest first."""
    rows = connection.execute(
        select(*_columns())
        .select_from(_checked())
        .where(interactions.c.workspace_id == workspace_id, scope)
        .order_by(interactions.c.started_at.desc(), interactions.c.id.desc())
        .limit(limit)
    )
    return [_sample(row) for row in rows]


def preview_score(
    connection: Connection,
    workspace_id: int,
    scope: ColumnElement[bool],
    interaction_id: int,
    scorecard: Scorecard,
) -> Preview:
    """The score ``scorecard`` gives one checked conversation from its stored verdicts."""
    row = connection.execute(
        select(*_columns(), check_outcomes.c.verdicts)
        .select_from(_checked())
        .where(
            interactions.c.workspace_id == workspace_id,
            interactions.c.id == interaction_id,
            scope,
        )
    ).first()
    if row is None:
        raise NotFound(
            f"no checked conversation {interaction_id}", key="scorecards.editor.not_scored"
        )
    verdicts = {
        str(check): str(verdict.get("result"))
        for check, verdict in (row.verdicts or {}).items()
        if isinstance(verdict, dict)
    }
    results = criterion_results(scorecard, verdicts)
    sample = _sample(row)
    return Preview(
        sample=sample,
        score=compute_score(scorecard, results),
        applies=scorecard.applies_to(sample.channel, sample.language),
        results={k: str(v) for k, v in results.items()},
    )
