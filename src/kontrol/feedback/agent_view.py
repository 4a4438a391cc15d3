"""Feedback: what an agent (and their team lead) sees of the evaluations of their work.

An agent sees the submitted evaluations of their own interactions: the manual
ones first, then the automatic ones (the newest per interaction), each with its
criteria, answers, comments and evidence. They acknowledge an evaluation or
dispute it (``feedback/disputes.py``) within the workspace's dispute window
(``feedback/dispute_window.py``). The window counts from when the evaluation was
submitted: its ``submitted`` history event, else its ``created_at``.
``feedback/evaluation_detail.py`` shows one evaluation in full.

Every state change of the review workflow leaves a ``review_events`` row
(``record_event``); the evaluation page shows them as its history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    case,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from kontrol.accounts.access import Viewer, interaction_scope
from kontrol.accounts.policy import Action, require
from kontrol.checks.stored_results import AUTO
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.feedback.dispute_window import dispute_deadline_days
from kontrol.feedback.history import last_actor, stale
from kontrol.review.evaluations import MANUAL, SUBMITTED
from kontrol.review.history import record_event
from kontrol.store.tables import (
    agents,
    disputes,
    evaluations,
    interactions,
    review_events,
    scorecards,
    users,
)

LIST_STATES = ("all", "to_acknowledge", "disputed", "failed")


# -- which evaluations a viewer sees ----------------------------------------------------


def _submitted_at() -> ColumnElement[Any]:
    e = evaluations
    first_submit = (
        select(func.min(review_events.c.at))
        .where(
            review_events.c.subject == "evaluation",
            review_events.c.subject_id == e.c.id,
            review_events.c.action == SUBMITTED,
        )
        .scalar_subquery()
    )
    return func.coalesce(first_submit, e.c.created_at)


def _is_current() -> ColumnElement[bool]:
    """Manual evaluations, and the newest automatic one of each interaction."""
    e = evaluations
    newer = aliased(evaluations)
    return or_(
        e.c.kind == MANUAL,
        ~exists().where(
            newer.c.interaction_id == e.c.interaction_id,
            newer.c.kind == AUTO,
            newer.c.id > e.c.id,
        ),
    )


def _counted() -> ColumnElement[bool]:
    """Whether this is the evaluation the KPIs count for its interaction."""
    e = evaluations
    other = aliased(evaluations)
    newer_manual = exists().where(
        other.c.interaction_id == e.c.interaction_id,
        other.c.kind == MANUAL,
        other.c.status == SUBMITTED,
        or_(e.c.kind == AUTO, other.c.id > e.c.id),
    )
    return and_(e.c.status == SUBMITTED, ~newer_manual)


def _dispute_count(status: str | None) -> ColumnElement[Any]:
    query = select(func.count()).where(disputes.c.evaluation_id == evaluations.c.id)
    if status is not None:
        query = query.where(disputes.c.status == status)
    return query.scalar_subquery()


def visible_evaluations(viewer: Viewer) -> list[ColumnElement[bool]]:
    """Conditions on ``evaluations`` joined to ``interactions``: what ``viewer`` may see here.

    Submitted evaluations only (a reviewer's draft is not feedback yet), of the
    interactions in the viewer's scope (an agent: their own; a team lead: their
    team's; the QA team: the workspace), current ones only.
    """
    return [
        evaluations.c.workspace_id == viewer.workspace.id,
        evaluations.c.status == SUBMITTED,
        evaluations.c.kind.in_((MANUAL, AUTO)),
        interaction_scope(viewer),
        _is_current(),
    ]


@dataclass(frozen=True, slots=True)
class EvaluationSummary:
    """One evaluation as the lists show it."""

    id: int
    interaction_id: int
    interaction_external_id: str
    channel: str
    started_at: datetime
    agent_external_id: str | None
    agent_name: str | None
    team: str | None
    kind: str
    scorecard_id: int
    scorecard_name: str
    scorecard_version: int
    score: float | None
    passed: bool | None
    reviewer: str | None
    submitted_at: datetime
    acknowledged_at: datetime | None
    version: int
    counted: bool
    open_disputes: int
    disputes: int
    dispute_until: datetime

    @property
    def manual(self) -> bool:
        return self.kind == MANUAL

    def dispute_window_open(self, now: datetime | None = None) -> bool:
        """Whether the dispute window is still open."""
        return (now or utcnow()) <= self.dispute_until

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "interaction_id": self.interaction_id,
            "interaction_external_id": self.interaction_external_id,
            "channel": self.channel,
            "started_at": self.started_at.isoformat(),
            "agent": self.agent_external_id,
            "agent_name": self.agent_name,
            "team": self.team,
            "kind": self.kind,
            "scorecard": self.scorecard_name,
            "scorecard_version": self.scorecard_version,
            "score": self.score,
            "passed": self.passed,
            "reviewer": self.reviewer,
            "submitted_at": self.submitted_at.isoformat(),
            "acknowledged_at": self.acknowledged_at.isoformat() if self.acknowledged_at else None,
            "version": self.version,
            "counted_in_kpis": self.counted,
            "open_disputes": self.open_disputes,
            "disputes": self.disputes,
            "dispute_until": self.dispute_until.isoformat(),
        }


def _summary_query() -> Select[Any]:
    e, i = evaluations, interactions
    return select(
        e.c.id,
        e.c.interaction_id,
        i.c.external_id.label("interaction_external_id"),
        i.c.channel,
        i.c.started_at,
        i.c.agent_external_id,
        func.coalesce(agents.c.name, i.c.agent_name).label("agent_name"),
        i.c.team,
        e.c.kind,
        e.c.scorecard_id,
        scorecards.c.name.label("scorecard_name"),
        scorecards.c.version.label("scorecard_version"),
        e.c.score,
        e.c.passed,
        users.c.display_name.label("reviewer"),
        _submitted_at().label("submitted_at"),
        e.c.acknowledged_at,
        e.c.version,
        _counted().label("counted"),
        _dispute_count("open").label("open_disputes"),
        _dispute_count(None).label("dispute_total"),
    ).select_from(
        e.join(i, i.c.id == e.c.interaction_id)
        .join(scorecards, scorecards.c.id == e.c.scorecard_id)
        .outerjoin(users, users.c.id == e.c.reviewer_id)
        .outerjoin(
            agents,
            and_(
                agents.c.workspace_id == i.c.workspace_id,
                agents.c.external_id == i.c.agent_external_id,
            ),
        )
    )


def _summary(row: Any, days: int) -> EvaluationSummary:
    return EvaluationSummary(
        id=int(row.id),
        interaction_id=int(row.interaction_id),
        interaction_external_id=row.interaction_external_id,
        channel=row.channel,
        started_at=row.started_at,
        agent_external_id=row.agent_external_id,
        agent_name=row.agent_name,
        team=row.team,
        kind=row.kind,
        scorecard_id=int(row.scorecard_id),
        scorecard_name=row.scorecard_name,
        scorecard_version=int(row.scorecard_version),
        score=row.score,
        passed=row.passed,
        reviewer=row.reviewer,
        submitted_at=row.submitted_at,
        acknowledged_at=row.acknowledged_at,
        version=int(row.version),
        counted=bool(row.counted),
        open_disputes=int(row.open_disputes or 0),
        disputes=int(row.dispute_total or 0),
        dispute_until=row.submitted_at + timedelta(days=days),
    )


def list_evaluations(
    connection: Connection,
    viewer: Viewer,
    *,
    agent: str | None = None,
    team: str | None = None,
    kind: str | None = None,
    state: str = "all",
    limit: int = 50,
    offset: int = 0,
) -> list[EvaluationSummary]:
    """The evaluations ``viewer`` may see: manual ones first, then automatic, newest first."""
    require(viewer, Action.VIEW_EVALUATIONS)
    if state not in LIST_STATES:
        raise InvalidInput(
            f"state: one of {', '.join(LIST_STATES)}",
            key="feedback.error.one_of",
            params={"choices": ", ".join(LIST_STATES)},
            where_key="error.where.field",
            where_params={"field": "state"},
        )
    if kind not in (None, "", MANUAL, AUTO):
        raise InvalidInput(
            "kind: manual or auto",
            key="feedback.error.kind",
            where_key="error.where.field",
            where_params={"field": "kind"},
        )
    conditions = visible_evaluations(viewer)
    if agent:
        conditions.append(interactions.c.agent_external_id == agent)
    if team:
        conditions.append(interactions.c.team == team)
    if kind:
        conditions.append(evaluations.c.kind == kind)
    if state == "to_acknowledge":
        conditions.append(evaluations.c.acknowledged_at.is_(None))
    elif state == "disputed":
        conditions.append(
            exists().where(
                disputes.c.evaluation_id == evaluations.c.id, disputes.c.status == "open"
            )
        )
    elif state == "failed":
        conditions.append(evaluations.c.passed.is_(False))
    query = (
        _summary_query()
        .where(*conditions)
        .order_by(
            case((evaluations.c.kind == MANUAL, 0), else_=1),
            interactions.c.started_at.desc(),
            evaluations.c.id.desc(),
        )
        .limit(limit)
        .offset(offset)
    )
    days = dispute_deadline_days(connection, viewer.workspace.id)
    return [_summary(row, days) for row in connection.execute(query)]


def find_evaluation(
    connection: Connection, viewer: Viewer, evaluation_id: int
) -> EvaluationSummary:
    """One evaluation ``viewer`` may see; ``NotFound`` for unknown and out-of-scope ids alike."""
    require(viewer, Action.VIEW_EVALUATIONS)
    row = connection.execute(
        _summary_query().where(evaluations.c.id == evaluation_id, *visible_evaluations(viewer))
    ).first()
    if row is None:
        raise NotFound(
            f"no evaluation {evaluation_id}",
            key="feedback.error.no_evaluation",
            params={"evaluation_id": evaluation_id},
        )
    return _summary(row, dispute_deadline_days(connection, viewer.workspace.id))


def lock_evaluation(connection: Connection, evaluation_id: int) -> Any:
    """The evaluation row, locked for this transaction on PostgreSQL (writers queue on SQLite)."""
    return connection.execute(
        select(evaluations).where(evaluations.c.id == evaluation_id).with_for_update()
    ).first()


def related_evaluations(
    connection: Connection, viewer: Viewer, row: Any
) -> list[EvaluationSummary]:
    """The other current evaluations of the same interaction (the auto one beside a manual one)."""
    days = dispute_deadline_days(connection, viewer.workspace.id)
    rows = connection.execute(
        _summary_query()
        .where(
            evaluations.c.interaction_id == row.interaction_id,
            evaluations.c.id != row.id,
            *visible_evaluations(viewer),
        )
        .order_by(case((evaluations.c.kind == MANUAL, 0), else_=1), evaluations.c.id.desc())
    )
    return [_summary(found, days) for found in rows]


# -- acknowledging --------------------------------------------------------------------------


def acknowledge_evaluation(
    connection: Connection, viewer: Viewer, evaluation_id: int, *, version: int
) -> EvaluationSummary:
    """The evaluated agent has seen the evaluation and accepts it."""
    require(viewer, Action.ACKNOWLEDGE)
    summary = find_evaluation(connection, viewer, evaluation_id)
    if summary.acknowledged_at is not None:
        raise Conflict(
            f"evaluation {evaluation_id} was acknowledged already, "
            f"on {summary.acknowledged_at:%Y-%m-%d %H:%M} UTC",
            key="feedback.error.acknowledged",
            params={"evaluation_id": evaluation_id, "acknowledged_at": summary.acknowledged_at},
        )
    now = utcnow()
    done = connection.execute(
        update(evaluations)
        .where(
            evaluations.c.id == evaluation_id,
            evaluations.c.version == version,
            evaluations.c.acknowledged_at.is_(None),
        )
        .values(
            acknowledged_at=now,
            acknowledged_by=viewer.account.id,
            version=evaluations.c.version + 1,
        )
    ).rowcount
    if not done:
        raise stale(
            "evaluation", evaluation_id, *last_actor(connection, "evaluation", evaluation_id)
        )
    record_event(
        connection,
        workspace_id=viewer.workspace.id,
        subject="evaluation",
        subject_id=evaluation_id,
        actor_id=viewer.account.id,
        action="acknowledged",
        at=now,
    )
    return find_evaluation(connection, viewer, evaluation_id)
