"""Feedback: what an agent (and their team lead) sees of the evaluations of their work.

An agent sees the submitted evaluations of their own interactions: the manual
ones first, then the automatic ones (the newest per interaction), each with its
criteria, answers, comments and evidence. They acknowledge an evaluation or
dispute it (``feedback/disputes.py``) within the workspace's dispute window.

The window is a workspace setting kept in ``app_settings`` under
``dispute_deadline_days:<workspace id>`` (default 7 days). It counts from when
the evaluation was submitted: its ``submitted`` history event, else its
``created_at``.

Every state change of the review workflow leaves a ``review_events`` row
(``record_event``); the evaluation page shows them as its history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
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
from kontrol.accounts.policy import Action, allowed, require
from kontrol.checks.scoring import scorecard_by_id, stored_outcomes
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.domain.scorecard import Criterion
from kontrol.review.history import record_event
from kontrol.store.tables import (
    agents,
    app_settings,
    disputes,
    evaluations,
    interactions,
    review_events,
    scorecards,
    users,
)

DEFAULT_DISPUTE_DAYS = 7
MAX_DISPUTE_DAYS = 90
MANUAL = "manual"
AUTO = "auto"
SUBMITTED = "submitted"
LIST_STATES = ("all", "to_acknowledge", "disputed", "failed")


# -- history --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One event of an evaluation's history (its own, or of one of its disputes)."""

    at: datetime
    subject: str
    subject_id: int
    action: str
    actor: str | None
    details: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "subject": self.subject,
            "subject_id": self.subject_id,
            "action": self.action,
            "actor": self.actor,
            "details": self.details,
        }


def subject_events(
    connection: Connection, workspace_id: int, subjects: Sequence[tuple[str, Sequence[int]]]
) -> list[HistoryEntry]:
    """The events of these subjects (``[(subject, [ids]), ...]``), oldest first."""
    conditions = [
        and_(review_events.c.subject == subject, review_events.c.subject_id.in_(list(ids)))
        for subject, ids in subjects
        if ids
    ]
    if not conditions:
        return []
    rows = connection.execute(
        select(review_events, users.c.display_name)
        .outerjoin(users, users.c.id == review_events.c.actor_id)
        .where(review_events.c.workspace_id == workspace_id, or_(*conditions))
        .order_by(review_events.c.at, review_events.c.id)
    )
    return [
        HistoryEntry(
            row.at,
            row.subject,
            int(row.subject_id),
            row.action,
            row.display_name,
            row.details or {},
        )
        for row in rows
    ]


# -- the dispute window (a workspace setting) ------------------------------------------


def _deadline_key(workspace_id: int) -> str:
    return f"dispute_deadline_days:{workspace_id}"


def dispute_deadline_days(connection: Connection, workspace_id: int) -> int:
    """How many days after submission an evaluation may be disputed in this workspace."""
    value = connection.execute(
        select(app_settings.c.value).where(app_settings.c.key == _deadline_key(workspace_id))
    ).scalar()
    return int(value) if value is not None and str(value).isdigit() else DEFAULT_DISPUTE_DAYS


def set_dispute_deadline_days(connection: Connection, viewer: Viewer, days: str | int) -> int:
    """Change the dispute window (admins and QA leads); ``InvalidInput`` names the field."""
    require(viewer, Action.RESOLVE_DISPUTES)
    text = str(days).strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_DISPUTE_DAYS:
        raise InvalidInput(
            f"dispute_deadline_days: a whole number of days, 1 to {MAX_DISPUTE_DAYS}"
        )
    value = int(text)
    key = _deadline_key(viewer.workspace.id)
    before = dispute_deadline_days(connection, viewer.workspace.id)
    updated = connection.execute(
        update(app_settings).where(app_settings.c.key == key).values(value=str(value))
    ).rowcount
    if not updated:
        connection.execute(app_settings.insert().values(key=key, value=str(value)))
    record_event(
        connection,
        workspace_id=viewer.workspace.id,
        subject="workspace",
        subject_id=viewer.workspace.id,
        actor_id=viewer.account.id,
        action="dispute_window_set",
        details={"before": before, "after": value},
    )
    return value


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
        raise InvalidInput(f"state: one of {', '.join(LIST_STATES)}")
    if kind not in (None, "", MANUAL, AUTO):
        raise InvalidInput("kind: manual or auto")
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
        raise NotFound(f"no evaluation {evaluation_id}")
    return _summary(row, dispute_deadline_days(connection, viewer.workspace.id))


def lock_evaluation(connection: Connection, evaluation_id: int) -> Any:
    """The evaluation row, locked for this transaction on PostgreSQL (writers queue on SQLite)."""
    return connection.execute(
        select(evaluations).where(evaluations.c.id == evaluation_id).with_for_update()
    ).first()


# -- disputes, as the evaluation page shows them -----------------------------------------


@dataclass(frozen=True, slots=True)
class DisputeView:
    """A dispute of a whole evaluation (``criterion`` None) or of one criterion."""

    id: int
    evaluation_id: int
    criterion: str | None
    reason: str
    status: str
    raised_by: str | None
    raised_by_id: int | None
    raised_at: datetime
    resolved_by: str | None
    resolved_at: datetime | None
    resolution: str | None
    version: int

    @property
    def open(self) -> bool:
        return self.status == "open"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "evaluation_id": self.evaluation_id,
            "criterion": self.criterion,
            "reason": self.reason,
            "status": self.status,
            "raised_by": self.raised_by,
            "raised_at": self.raised_at.isoformat(),
            "resolved_by": self.resolved_by,
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
            "resolution": self.resolution,
            "version": self.version,
        }


def dispute_query() -> Select[Any]:
    """Disputes with the names of who raised and who resolved them."""
    raiser = aliased(users)
    resolver = aliased(users)
    return select(
        disputes,
        raiser.c.display_name.label("raiser_name"),
        resolver.c.display_name.label("resolver_name"),
    ).select_from(
        disputes.outerjoin(raiser, raiser.c.id == disputes.c.raised_by).outerjoin(
            resolver, resolver.c.id == disputes.c.resolved_by
        )
    )


def dispute_view(row: Any) -> DisputeView:
    """A ``dispute_query`` row as a :class:`DisputeView`."""
    return DisputeView(
        id=int(row.id),
        evaluation_id=int(row.evaluation_id),
        criterion=row.criterion,
        reason=row.reason,
        status=row.status,
        raised_by=row.raiser_name,
        raised_by_id=row.raised_by,
        raised_at=row.raised_at,
        resolved_by=row.resolver_name,
        resolved_at=row.resolved_at,
        resolution=row.resolution,
        version=int(row.version),
    )


def disputes_of(connection: Connection, evaluation_id: int) -> list[DisputeView]:
    """Every dispute of one evaluation, oldest first."""
    rows = connection.execute(
        dispute_query()
        .where(disputes.c.evaluation_id == evaluation_id)
        .order_by(disputes.c.raised_at, disputes.c.id)
    )
    return [dispute_view(row) for row in rows]


# -- one evaluation in full ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CriterionDetail:
    """One criterion of an evaluation: the answer, the comment, the evidence, its disputes."""

    criterion: Criterion
    section: str
    result: str | None
    fraction: float | None
    comment: str | None
    auto_result: str | None
    evidence: list[dict[str, Any]]
    disputes: list[DisputeView]

    @property
    def open_dispute(self) -> DisputeView | None:
        return next((d for d in self.disputes if d.open), None)

    def as_json(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion.id,
            "title": self.criterion.title,
            "section": self.section,
            "check": self.criterion.check,
            "weight": self.criterion.weight,
            "critical": self.criterion.critical,
            "scale": self.criterion.scale,
            "result": self.result,
            "fraction": self.fraction,
            "comment": self.comment,
            "auto_result": self.auto_result,
            "evidence": self.evidence,
            "disputes": [d.id for d in self.disputes],
        }


@dataclass(slots=True)
class EvaluationDetail:
    """An evaluation with everything the feedback page shows and what the viewer may do."""

    summary: EvaluationSummary
    scorecard_title: str
    comment: str | None
    answers: list[CriterionDetail]
    whole_disputes: list[DisputeView]
    history: list[HistoryEntry]
    related: list[EvaluationSummary] = field(default_factory=list)
    can_acknowledge: bool = False
    can_dispute: bool = False
    dispute_refusal: str | None = None
    can_resolve: bool = False

    @property
    def sections(self) -> list[tuple[str, list[CriterionDetail]]]:
        grouped: list[tuple[str, list[CriterionDetail]]] = []
        for answer in self.answers:
            if not grouped or grouped[-1][0] != answer.section:
                grouped.append((answer.section, []))
            grouped[-1][1].append(answer)
        return grouped

    @property
    def titles(self) -> dict[str, str]:
        """Criterion titles by id, for the disputes and the history."""
        return {answer.criterion.id: answer.criterion.title for answer in self.answers}

    @property
    def open_whole_dispute(self) -> DisputeView | None:
        return next((d for d in self.whole_disputes if d.open), None)

    def as_json(self) -> dict[str, Any]:
        return {
            **self.summary.as_json(),
            "scorecard_title": self.scorecard_title,
            "comment": self.comment,
            "criteria": [a.as_json() for a in self.answers],
            "disputes": [
                d.as_json()
                for d in self.whole_disputes + [d for a in self.answers for d in a.disputes]
            ],
            "history": [h.as_json() for h in self.history],
            "related": [r.as_json() for r in self.related],
            "can_acknowledge": self.can_acknowledge,
            "can_dispute": self.can_dispute,
            "dispute_refusal": self.dispute_refusal,
        }


def dispute_refusal(
    viewer: Viewer, summary: EvaluationSummary, now: datetime | None = None
) -> str | None:
    """Why ``viewer`` may not dispute this evaluation now (``None``: they may)."""
    if not allowed(viewer, Action.DISPUTE):
        return "only the evaluated agent disputes an evaluation"
    if summary.acknowledged_at is not None:
        return f"you acknowledged this evaluation on {summary.acknowledged_at:%Y-%m-%d %H:%M} UTC"
    if not summary.counted:
        return (
            "a reviewer has scored this interaction since; dispute the manual evaluation, "
            "which is the one that counts"
        )
    if not summary.dispute_window_open(now):
        return (
            f"the dispute window closed on {summary.dispute_until:%Y-%m-%d %H:%M} UTC "
            "(evaluations can be disputed for a limited number of days after they are submitted)"
        )
    return None


def _evidence(outcomes: dict[str, Any], criterion: Criterion) -> list[dict[str, Any]]:
    if not criterion.check:
        return []
    found = outcomes.get("checks", {}).get(criterion.check, {})
    return list(found.get("evidence", []))


def evaluation_detail(
    connection: Connection, viewer: Viewer, evaluation_id: int
) -> EvaluationDetail:
    """One evaluation with its criteria, answers, comments, evidence, disputes and history."""
    summary = find_evaluation(connection, viewer, evaluation_id)
    row = connection.execute(select(evaluations).where(evaluations.c.id == evaluation_id)).one()
    card = scorecard_by_id(connection, summary.scorecard_id)
    stored = {item.get("criterion"): item for item in row.items or []}
    outcomes = stored_outcomes(connection, [summary.interaction_id])[summary.interaction_id]
    all_disputes = disputes_of(connection, evaluation_id)
    answers = []
    for section in card.scorecard.sections:
        for criterion in section.criteria:
            item = stored.get(criterion.id, {})
            answers.append(
                CriterionDetail(
                    criterion=criterion,
                    section=section.title,
                    result=item.get("result"),
                    fraction=item.get("fraction"),
                    comment=item.get("comment"),
                    auto_result=item.get("auto_result"),
                    evidence=_evidence(outcomes, criterion),
                    disputes=[d for d in all_disputes if d.criterion == criterion.id],
                )
            )
    events = subject_events(
        connection,
        viewer.workspace.id,
        [("evaluation", [evaluation_id]), ("dispute", [d.id for d in all_disputes])],
    )
    related = _related(connection, viewer, row)
    refusal = dispute_refusal(viewer, summary)
    return EvaluationDetail(
        summary=summary,
        scorecard_title=card.scorecard.title,
        comment=row.comment,
        answers=answers,
        whole_disputes=[d for d in all_disputes if d.criterion is None],
        history=events,
        related=related,
        can_acknowledge=allowed(viewer, Action.ACKNOWLEDGE) and summary.acknowledged_at is None,
        can_dispute=refusal is None,
        dispute_refusal=refusal,
        can_resolve=allowed(viewer, Action.RESOLVE_DISPUTES),
    )


def _related(connection: Connection, viewer: Viewer, row: Any) -> list[EvaluationSummary]:
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


def stale(kind: str, number: int, who: str | None, when: datetime | None) -> Conflict:
    """The refusal of a save that names an outdated version."""
    by = f" by {who}" if who else ""
    at = f" at {when:%Y-%m-%d %H:%M} UTC" if when else ""
    return Conflict(f"{kind} {number} was changed{by}{at}; reload to see the change")


def last_actor(
    connection: Connection, subject: str, subject_id: int
) -> tuple[str | None, datetime | None]:
    """Who changed a thing last and when, from its history (for conflict messages)."""
    row = connection.execute(
        select(users.c.display_name, review_events.c.at)
        .select_from(review_events.outerjoin(users, users.c.id == review_events.c.actor_id))
        .where(review_events.c.subject == subject, review_events.c.subject_id == subject_id)
        .order_by(review_events.c.id.desc())
        .limit(1)
    ).first()
    return (row.display_name, row.at) if row is not None else (None, None)


def read_version(value: object, name: str = "version") -> int:
    """A version number from a form or a JSON body; ``InvalidInput`` names the field."""
    if isinstance(value, bool):
        raise InvalidInput(f"{name}: the version you saw (a whole number) is required")
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    if not text.isdigit():
        raise InvalidInput(f"{name}: the version you saw (a whole number) is required")
    return int(text)


def acknowledge_evaluation(
    connection: Connection, viewer: Viewer, evaluation_id: int, *, version: int
) -> EvaluationSummary:
    """The evaluated agent has seen the evaluation and accepts it."""
    require(viewer, Action.ACKNOWLEDGE)
    summary = find_evaluation(connection, viewer, evaluation_id)
    if summary.acknowledged_at is not None:
        raise Conflict(
            f"evaluation {evaluation_id} was acknowledged already, "
            f"on {summary.acknowledged_at:%Y-%m-%d %H:%M} UTC"
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
