"""Calibration sessions: several reviewers score the same interactions blind.

A QA lead (or admin) makes a session: a name, one scorecard version, the
interactions and the invited reviewers, an optional deadline. Each participant
scores every interaction on the scorecard's criteria (drafts may be saved and
changed) and then submits; submitted scores no longer change. Nobody sees the
others' scores until they have submitted their own or the session is closed
(a lead who does not take part sees them at once). The lead then records the
agreed reference answer per interaction and criterion and closes the session,
which freezes it. Closed sessions feed "who reviews the reviewers": each
reviewer's distance from the reference over time.

Every change names the version it edited; a stale save raises ``Conflict``
instead of overwriting someone else's work.

This module reads sessions; ``session_changes.py`` changes them and
``results.py`` gives the figures and each reviewer's history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, func, select

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import POLICY, Action, allowed, require
from kontrol.checks.scorecards import StoredScorecard, scorecard_version
from kontrol.domain.clock import from_utc, zone
from kontrol.domain.errors import Forbidden, InvalidInput, NotFound
from kontrol.review.calibration.figures import (
    Answers,
    items_to_answers,
    missing_answers,
)
from kontrol.store.tables import (
    agents,
    calibration_items,
    calibration_participants,
    calibration_scores,
    calibration_sessions,
    interactions,
    memberships,
    users,
)

OPEN = "open"
CLOSED = "closed"
MAX_ITEMS = 50
MAX_COMMENT = 4000
MAX_NAME = 200


def can_calibrate(viewer: Viewer) -> bool:
    """Whether the calibration pages are for this person at all (the nav link)."""
    return allowed(viewer, Action.TAKE_PART_IN_CALIBRATION) or allowed(
        viewer, Action.RUN_CALIBRATION
    )


@dataclass(frozen=True, slots=True)
class Person:
    """Someone in a session: a participant, the lead, a reference's author."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Participant:
    """An invited reviewer and whether (and when) they submitted their scores."""

    id: int
    name: str
    submitted_at: datetime | None


@dataclass(frozen=True, slots=True)
class SessionItem:
    """One interaction of a session, with the agreed reference once recorded."""

    id: int
    interaction_id: int
    external_id: str
    channel: str
    started_at: datetime
    agent: str | None
    topic: str | None
    reference: Answers | None
    reference_score: float | None
    reference_by: str | None
    version: int


@dataclass(frozen=True, slots=True)
class CalibrationSession:
    """A calibration session as one viewer may see it."""

    id: int
    name: str
    status: str
    scorecard: StoredScorecard
    deadline: datetime | None
    created_by: str | None
    created_at: datetime
    closed_at: datetime | None
    version: int
    participants: tuple[Participant, ...]
    items: tuple[SessionItem, ...]

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    def participant(self, user_id: int) -> Participant | None:
        return next((p for p in self.participants if p.id == user_id), None)

    def item(self, item_id: int) -> SessionItem:
        found = next((i for i in self.items if i.id == item_id), None)
        if found is None:
            raise NotFound(
                f"session {self.id} has no item {item_id}",
                key="review.error.session_no_item",
                params={"id": self.id, "item_id": item_id},
            )
        return found

    @property
    def submitted(self) -> int:
        return sum(1 for p in self.participants if p.submitted_at is not None)

    @property
    def references(self) -> int:
        return sum(1 for i in self.items if i.reference is not None)


@dataclass(frozen=True, slots=True)
class OwnScore:
    """A participant's own score of one interaction (draft or submitted)."""

    item_id: int
    answers: Answers
    comment: str | None
    score: float | None
    version: int
    submitted: bool
    complete: bool


@dataclass(frozen=True, slots=True)
class SessionView:
    """The session page: the session, the viewer's part in it and what they may do."""

    session: CalibrationSession
    own: Mapping[int, OwnScore]
    is_participant: bool
    has_submitted: bool
    can_run: bool
    can_see_results: bool

    @property
    def can_submit(self) -> bool:
        return (
            self.session.is_open
            and self.is_participant
            and not self.has_submitted
            and len(self.own) == len(self.session.items)
            and all(s.complete for s in self.own.values())
        )

    def next_to_score(self, after: int | None = None) -> SessionItem | None:
        """The next interaction without a complete score of the viewer's."""
        items = list(self.session.items)
        if after is not None:
            position = next((n for n, i in enumerate(items) if i.id == after), -1)
            items = items[position + 1 :] + items[: position + 1]
        for item in items:
            own = self.own.get(item.id)
            if (own is None or not own.complete) and item.id != after:
                return item
        return None


# --- reading ----------------------------------------------------------------------


def parse_deadline(text: str | None) -> date | None:
    """A deadline from a form (``YYYY-MM-DD``, blank for none)."""
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"deadline: expected a date YYYY-MM-DD, not {text!r}",
            key="review.error.date_format",
            params={"text": text},
            where_key="error.where.field",
            where_params={"field": "deadline"},
        ) from None


def scorecard_in_workspace(
    connection: Connection, workspace_id: int, scorecard_id: int
) -> StoredScorecard:
    """A scorecard version of this workspace; ``InvalidInput`` when there is none."""
    try:
        return scorecard_version(connection, workspace_id, scorecard_id)
    except NotFound:
        raise InvalidInput(
            f"scorecard: no scorecard {scorecard_id} in this workspace",
            key="review.error.no_scorecard",
            params={"scorecard_id": scorecard_id},
            where_key="error.where.field",
            where_params={"field": "scorecard"},
        ) from None


def display_names(connection: Connection, ids: Iterable[int | None]) -> dict[int, str]:
    """Display names of these accounts, by id (unknown ids left out)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = connection.execute(
        select(users.c.id, users.c.display_name).where(users.c.id.in_(wanted))
    )
    return {int(row.id): row.display_name for row in rows}


def load_session(connection: Connection, viewer: Viewer, session_id: int) -> CalibrationSession:
    """A session of the viewer's workspace with its items and participants (else ``NotFound``)."""
    row = connection.execute(
        select(calibration_sessions).where(
            calibration_sessions.c.id == session_id,
            calibration_sessions.c.workspace_id == viewer.workspace.id,
        )
    ).first()
    if row is None:
        raise NotFound(
            f"no calibration session {session_id}",
            key="review.error.no_session",
            params={"session_id": session_id},
        )
    local = zone(viewer.workspace.timezone)
    people = connection.execute(
        select(calibration_participants.c.user_id, users.c.display_name)
        .join(users, users.c.id == calibration_participants.c.user_id)
        .where(calibration_participants.c.session_id == session_id)
        .order_by(users.c.display_name, users.c.id)
    ).all()
    submitted = dict(
        connection.execute(
            select(calibration_scores.c.user_id, func.max(calibration_scores.c.submitted_at))
            .join(calibration_items, calibration_items.c.id == calibration_scores.c.item_id)
            .where(calibration_items.c.session_id == session_id)
            .group_by(calibration_scores.c.user_id)
        ).all()
    )
    item_rows = connection.execute(
        select(
            calibration_items,
            interactions.c.external_id,
            interactions.c.channel,
            interactions.c.started_at,
            interactions.c.agent_name,
            interactions.c.agent_external_id,
            interactions.c.topic,
            agents.c.name.label("roster_name"),
        )
        .join(interactions, interactions.c.id == calibration_items.c.interaction_id)
        # The agent's name from the roster: an import often carries only their id.
        .outerjoin(
            agents,
            (agents.c.workspace_id == interactions.c.workspace_id)
            & (agents.c.external_id == interactions.c.agent_external_id),
        )
        .where(calibration_items.c.session_id == session_id)
        .order_by(calibration_items.c.id)
    ).all()
    names = display_names(connection, [row.created_by, *(r.reference_by for r in item_rows)])
    return CalibrationSession(
        id=int(row.id),
        name=row.name,
        status=row.status,
        scorecard=scorecard_in_workspace(connection, viewer.workspace.id, int(row.scorecard_id)),
        deadline=from_utc(row.deadline, local) if row.deadline else None,
        created_by=names.get(row.created_by),
        created_at=from_utc(row.created_at, local),
        closed_at=from_utc(row.closed_at, local) if row.closed_at else None,
        version=int(row.version),
        participants=tuple(
            Participant(
                int(p.user_id),
                p.display_name,
                from_utc(submitted[p.user_id], local) if submitted.get(p.user_id) else None,
            )
            for p in people
        ),
        items=tuple(
            SessionItem(
                id=int(r.id),
                interaction_id=int(r.interaction_id),
                external_id=r.external_id,
                channel=r.channel,
                started_at=from_utc(r.started_at, local),
                agent=r.roster_name or r.agent_name or r.agent_external_id,
                topic=r.topic,
                reference=items_to_answers(r.reference_items)
                if r.reference_items is not None
                else None,
                reference_score=r.reference_score,
                reference_by=names.get(r.reference_by),
                version=int(r.version),
            )
            for r in item_rows
        ),
    )


def require_open_to(viewer: Viewer, session: CalibrationSession) -> None:
    """Leads see every session of the workspace; reviewers the ones they are invited to."""
    require(viewer, Action.TAKE_PART_IN_CALIBRATION)
    if allowed(viewer, Action.RUN_CALIBRATION):
        return
    if session.participant(viewer.account.id) is None:
        raise Forbidden(
            "you are not invited to this calibration session", key="review.error.not_invited"
        )


def results_visible(viewer: Viewer, session: CalibrationSession) -> bool:
    """Blind scoring: the others' scores show once your own are in, or the session is closed."""
    if not session.is_open:
        return True
    me = session.participant(viewer.account.id)
    if me is None:
        return allowed(viewer, Action.RUN_CALIBRATION)
    return me.submitted_at is not None


def own_scores(
    connection: Connection, session: CalibrationSession, user_id: int
) -> dict[int, OwnScore]:
    """The scores ``user_id`` has saved in this session, drafts too, by item."""
    rows = connection.execute(
        select(calibration_scores).where(
            calibration_scores.c.user_id == user_id,
            calibration_scores.c.item_id.in_([i.id for i in session.items]),
        )
    )
    card = session.scorecard.scorecard
    found = {}
    for row in rows:
        answers = items_to_answers(row._mapping["items"])
        found[int(row.item_id)] = OwnScore(
            item_id=int(row.item_id),
            answers=answers,
            comment=row.comment,
            score=row.score,
            version=int(row.version),
            submitted=row.submitted_at is not None,
            complete=not missing_answers(card, answers),
        )
    return found


def get_session(connection: Connection, viewer: Viewer, session_id: int) -> SessionView:
    """A session, the viewer's own scores in it and what they may do there."""
    session = load_session(connection, viewer, session_id)
    require_open_to(viewer, session)
    me = session.participant(viewer.account.id)
    return SessionView(
        session=session,
        own=own_scores(connection, session, viewer.account.id) if me else {},
        is_participant=me is not None,
        has_submitted=me is not None and me.submitted_at is not None,
        can_run=allowed(viewer, Action.RUN_CALIBRATION),
        can_see_results=results_visible(viewer, session),
    )


def list_sessions(connection: Connection, viewer: Viewer) -> list[CalibrationSession]:
    """Sessions the viewer may open, newest first (leads: all; reviewers: invited to)."""
    require(viewer, Action.TAKE_PART_IN_CALIBRATION)
    query = select(calibration_sessions.c.id).where(
        calibration_sessions.c.workspace_id == viewer.workspace.id
    )
    if not allowed(viewer, Action.RUN_CALIBRATION):
        query = query.join(
            calibration_participants,
            calibration_participants.c.session_id == calibration_sessions.c.id,
        ).where(calibration_participants.c.user_id == viewer.account.id)
    ids = connection.execute(query.order_by(calibration_sessions.c.id.desc())).scalars()
    return [load_session(connection, viewer, int(i)) for i in ids]


def eligible_reviewers(connection: Connection, viewer: Viewer) -> list[Person]:
    """People of the workspace who may take part in a session."""
    roles = [r.value for r in POLICY[Action.TAKE_PART_IN_CALIBRATION]]
    rows = connection.execute(
        select(users.c.id, users.c.display_name)
        .join(memberships, memberships.c.user_id == users.c.id)
        .where(
            memberships.c.workspace_id == viewer.workspace.id,
            memberships.c.role.in_(roles),
            users.c.is_active.is_(True),
        )
        .order_by(users.c.display_name, users.c.id)
    )
    return [Person(int(row.id), row.display_name) for row in rows]
