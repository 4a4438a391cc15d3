"""Disputes: an agent contests an evaluation, a QA lead decides.

An agent disputes a whole evaluation or one criterion, with a reason, within
the workspace's dispute window; one open dispute per (evaluation, criterion).
They may withdraw it while it is open. A QA lead (or an admin) resolves it:

- ``upheld``: the evaluation stands; the lead says why;
- ``changed``: the lead gives the new answer(s) of the disputed criterion (all
  criteria for a whole-evaluation dispute). A manual evaluation is rescored in
  place (``compute_score``, version + 1); for an automatic one, a manual
  evaluation by the lead is created beside it with the changed answers, and the
  KPIs take it from then on (the newest submitted manual evaluation counts).

Every step is kept in ``review_events`` with the answers and scores before and
after. Concurrent saves are refused (``Conflict``) rather than overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    func,
    select,
    update,
)
from sqlalchemy.orm import aliased

from kontrol.accounts.access import Viewer, interaction_scope
from kontrol.accounts.policy import Action, allowed, require
from kontrol.checks.scorecards import scorecard_by_id
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from kontrol.feedback.agent_view import (
    EvaluationSummary,
    find_evaluation,
    lock_evaluation,
)
from kontrol.feedback.history import last_actor, stale
from kontrol.review.history import record_event
from kontrol.store.tables import (
    disputes,
    evaluations,
    interactions,
    users,
)

OPEN = "open"
UPHELD = "upheld"
CHANGED = "changed"
WITHDRAWN = "withdrawn"
OUTCOMES = (UPHELD, CHANGED)
DISPUTE_STATES = ("open", "resolved", "all")
MAX_TEXT = 4000


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


def dispute_refusal(
    viewer: Viewer, summary: EvaluationSummary, now: datetime | None = None
) -> Forbidden | None:
    """Why ``viewer`` may not dispute this evaluation now (``None``: they may)."""
    if not allowed(viewer, Action.DISPUTE):
        return Forbidden(
            "only the evaluated agent disputes an evaluation",
            key="feedback.dispute_closed.not_agent",
        )
    # Acknowledging says "I have read it", not "I agree" (as in Zendesk QA and
    # MaestroQA): an acknowledged evaluation stays open to dispute within the window.
    if not summary.counted:
        return Forbidden(
            "a reviewer has scored this interaction since; dispute the manual evaluation, "
            "which is the one that counts",
            key="feedback.dispute_closed.not_counted",
        )
    if not summary.dispute_window_open(now):
        return Forbidden(
            f"the dispute window closed on {summary.dispute_until:%Y-%m-%d %H:%M} UTC "
            "(evaluations can be disputed for a limited number of days after they are submitted)",
            key="feedback.dispute_closed.window",
        )
    return None


def dispute_text(value: str | None, name: str, *, required: bool = True) -> str | None:
    """A reason or a resolution, trimmed, at most ``MAX_TEXT`` long (else ``InvalidInput``)."""
    text = (value or "").strip()
    if not text:
        if required:
            raise InvalidInput(
                f"{name}: required",
                key="feedback.error.required",
                where_key="error.where.field",
                where_params={"field": name},
            )
        return None
    if len(text) > MAX_TEXT:
        raise InvalidInput(
            f"{name}: at most {MAX_TEXT} characters",
            key="feedback.error.too_long",
            params={"limit": MAX_TEXT},
            where_key="error.where.field",
            where_params={"field": name},
        )
    return text


# -- raising and withdrawing --------------------------------------------------------------


def raise_dispute(
    connection: Connection,
    viewer: Viewer,
    evaluation_id: int,
    *,
    criterion: str | None,
    reason: str,
) -> DisputeView:
    """The evaluated agent disputes the evaluation (``criterion`` None) or one criterion."""
    require(viewer, Action.DISPUTE)
    summary = find_evaluation(connection, viewer, evaluation_id)
    refusal = dispute_refusal(viewer, summary)
    if refusal is not None:
        raise refusal
    text = dispute_text(reason, "reason")
    criterion = (criterion or "").strip() or None
    if criterion is not None:
        card = scorecard_by_id(connection, summary.scorecard_id).scorecard
        if criterion not in {c.id for c in card.criteria}:
            raise InvalidInput(
                f"criterion: {criterion!r} is not a criterion of this scorecard",
                key="feedback.error.unknown_criterion",
                params={"criterion": criterion},
                where_key="error.where.field",
                where_params={"field": "criterion"},
            )
    # Lock the evaluation so that two simultaneous disputes of one criterion queue up.
    lock_evaluation(connection, evaluation_id)
    already = connection.execute(
        select(disputes.c.id).where(
            disputes.c.evaluation_id == evaluation_id,
            disputes.c.status == OPEN,
            disputes.c.criterion.is_(None)
            if criterion is None
            else disputes.c.criterion == criterion,
        )
    ).first()
    if already is not None:
        what = "the whole evaluation" if criterion is None else f"criterion {criterion!r}"
        raise Conflict(
            f"there is an open dispute of {what} already (dispute {already.id})",
            key="feedback.error.open_dispute"
            if criterion is None
            else "feedback.error.open_criterion_dispute",
            params={"id": already.id, "criterion": criterion},
        )
    now = utcnow()
    new_id = connection.execute(
        disputes.insert().values(
            workspace_id=viewer.workspace.id,
            evaluation_id=evaluation_id,
            criterion=criterion,
            reason=text,
            status=OPEN,
            raised_by=viewer.account.id,
            raised_at=now,
        )
    ).inserted_primary_key
    assert new_id is not None
    dispute_id = int(new_id[0])
    record_event(
        connection,
        workspace_id=viewer.workspace.id,
        subject="dispute",
        subject_id=dispute_id,
        actor_id=viewer.account.id,
        action="raised",
        details={"evaluation_id": evaluation_id, "criterion": criterion, "reason": text},
        at=now,
    )
    return get_dispute(connection, viewer, dispute_id)


def _visible_dispute(connection: Connection, viewer: Viewer, dispute_id: int) -> Any:
    row = connection.execute(
        dispute_query()
        .join(evaluations, evaluations.c.id == disputes.c.evaluation_id)
        .join(interactions, interactions.c.id == evaluations.c.interaction_id)
        .where(
            disputes.c.id == dispute_id,
            disputes.c.workspace_id == viewer.workspace.id,
            interaction_scope(viewer),
        )
    ).first()
    if row is None:
        raise NotFound(
            f"no dispute {dispute_id}",
            key="feedback.error.no_dispute",
            params={"dispute_id": dispute_id},
        )
    return row


def get_dispute(connection: Connection, viewer: Viewer, dispute_id: int) -> DisputeView:
    """One dispute the viewer may see (of an interaction in their scope)."""
    require(viewer, Action.VIEW_EVALUATIONS)
    return dispute_view(_visible_dispute(connection, viewer, dispute_id))


def withdraw_dispute(
    connection: Connection, viewer: Viewer, dispute_id: int, *, version: int
) -> DisputeView:
    """The agent who raised an open dispute takes it back."""
    require(viewer, Action.DISPUTE)
    dispute = get_dispute(connection, viewer, dispute_id)
    if dispute.raised_by_id != viewer.account.id:
        raise Forbidden(
            "only the agent who raised a dispute withdraws it", key="feedback.error.withdraw_own"
        )
    require_open(dispute)
    set_dispute_state(connection, dispute, version, status=WITHDRAWN, resolved_by=viewer.account.id)
    record_event(
        connection,
        workspace_id=viewer.workspace.id,
        subject="dispute",
        subject_id=dispute_id,
        actor_id=viewer.account.id,
        action="withdrawn",
        details={"evaluation_id": dispute.evaluation_id, "criterion": dispute.criterion},
    )
    return get_dispute(connection, viewer, dispute_id)


def require_open(dispute: DisputeView) -> None:
    """Refuse (``Conflict``) to act on a dispute someone has closed meanwhile."""
    if dispute.open:
        return
    when = f" on {dispute.resolved_at:%Y-%m-%d %H:%M} UTC" if dispute.resolved_at else ""
    by = f" by {dispute.resolved_by}" if dispute.resolved_by else ""
    raise Conflict(
        f"dispute {dispute.id} is {dispute.status} already{by}{when}; reload the page",
        # One message per status, so that each language names the status in its own words.
        key=f"feedback.error.dispute_closed.{dispute.status}",
        params={
            "id": dispute.id,
            "who": dispute.resolved_by or "—",
            "at": f"{dispute.resolved_at:%Y-%m-%d %H:%M}" if dispute.resolved_at else "—",
        },
    )


def set_dispute_state(
    connection: Connection,
    dispute: DisputeView,
    version: int,
    *,
    status: str,
    resolved_by: int,
    resolution: str | None = None,
) -> None:
    """Close an open dispute at ``version``; a stale version is refused with ``Conflict``."""
    done = connection.execute(
        update(disputes)
        .where(
            disputes.c.id == dispute.id, disputes.c.version == version, disputes.c.status == OPEN
        )
        .values(
            status=status,
            resolved_by=resolved_by,
            resolved_at=utcnow(),
            resolution=resolution,
            version=disputes.c.version + 1,
        )
    ).rowcount
    if not done:
        raise stale("dispute", dispute.id, *last_actor(connection, "dispute", dispute.id))


# -- the lead's list -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DisputeItem:
    """A dispute in the lead's list, with its evaluation."""

    dispute: DisputeView
    evaluation: EvaluationSummary
    criterion_title: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            **self.dispute.as_json(),
            "criterion_title": self.criterion_title,
            "evaluation": self.evaluation.as_json(),
        }


def _in_scope(query: Select[Any], viewer: Viewer) -> Select[Any]:
    """``query`` over disputes narrowed to the evaluations ``viewer`` may see."""
    return (
        query.join(evaluations, evaluations.c.id == disputes.c.evaluation_id)
        .join(interactions, interactions.c.id == evaluations.c.interaction_id)
        .where(disputes.c.workspace_id == viewer.workspace.id, interaction_scope(viewer))
    )


def count_open_disputes(connection: Connection, viewer: Viewer) -> int:
    """How many open disputes of the evaluations ``viewer`` may see."""
    require(viewer, Action.VIEW_EVALUATIONS)
    query = _in_scope(select(func.count()).select_from(disputes), viewer)
    return int(connection.execute(query.where(disputes.c.status == OPEN)).scalar_one())


def list_disputes(
    connection: Connection,
    viewer: Viewer,
    *,
    state: str = "open",
    agent: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[DisputeItem]:
    """Disputes of the evaluations the viewer may see; open ones oldest first."""
    require(viewer, Action.VIEW_EVALUATIONS)
    if state not in DISPUTE_STATES:
        raise InvalidInput(
            f"state: one of {', '.join(DISPUTE_STATES)}",
            key="feedback.error.one_of",
            params={"choices": ", ".join(DISPUTE_STATES)},
            where_key="error.where.field",
            where_params={"field": "state"},
        )
    query = _in_scope(dispute_query(), viewer)
    if agent:
        query = query.where(interactions.c.agent_external_id == agent)
    if state == "open":
        query = query.where(disputes.c.status == OPEN).order_by(disputes.c.raised_at, disputes.c.id)
    else:
        if state == "resolved":
            query = query.where(disputes.c.status != OPEN)
        query = query.order_by(disputes.c.raised_at.desc(), disputes.c.id.desc())
    rows = connection.execute(query.limit(limit).offset(offset)).all()
    found: list[DisputeItem] = []
    summaries: dict[int, EvaluationSummary] = {}
    for row in rows:
        evaluation_id = int(row.evaluation_id)
        if evaluation_id not in summaries:
            try:
                summaries[evaluation_id] = find_evaluation(connection, viewer, evaluation_id)
            except NotFound:
                continue  # a draft or a superseded automatic version: not shown
        summary = summaries[evaluation_id]
        title = None
        if row.criterion is not None:
            card = scorecard_by_id(connection, summary.scorecard_id).scorecard
            title = next((c.title for c in card.criteria if c.id == row.criterion), row.criterion)
        found.append(DisputeItem(dispute_view(row), summary, title))
    return found
