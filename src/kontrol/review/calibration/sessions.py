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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import POLICY, Action, allowed, require
from kontrol.checks.scoring import StoredScorecard, scorecard_version
from kontrol.domain.clock import from_utc, to_utc, utcnow, zone
from kontrol.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from kontrol.review.calibration.figures import (
    Answers,
    ItemAnswers,
    RaterDeviation,
    SessionFigures,
    answers_to_items,
    items_to_answers,
    missing_answers,
    parse_answers,
    score_of,
    session_figures,
)
from kontrol.store.tables import (
    calibration_items,
    calibration_participants,
    calibration_scores,
    calibration_sessions,
    interactions,
    memberships,
    review_events,
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
            raise NotFound(f"session {self.id} has no item {item_id}")
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


@dataclass(frozen=True, slots=True)
class SessionResults:
    """The results page: the figures and who is who."""

    session: CalibrationSession
    figures: SessionFigures
    raters: Mapping[int, str]
    comments: Mapping[tuple[int, int], str]
    can_edit_reference: bool


@dataclass(frozen=True, slots=True)
class DeviationEntry:
    """One reviewer in one closed session, against the reference."""

    session_id: int
    session_name: str
    closed_at: datetime
    deviation: RaterDeviation


@dataclass(frozen=True, slots=True)
class ReviewerHistory:
    """A reviewer's deviation from the reference, session by session (oldest first)."""

    reviewer: Person
    entries: tuple[DeviationEntry, ...]

    @property
    def criteria_compared(self) -> int:
        return sum(e.deviation.criteria_compared for e in self.entries)

    @property
    def match_share(self) -> float | None:
        compared = self.criteria_compared
        matched = sum(e.deviation.criteria_matched for e in self.entries)
        return matched / compared if compared else None

    @property
    def mean_abs_score_difference(self) -> float | None:
        """Over every interaction compared, in all sessions (not a mean of session means)."""
        weighted = [
            (e.deviation.mean_abs_score_difference, e.deviation.items_compared)
            for e in self.entries
            if e.deviation.mean_abs_score_difference is not None
        ]
        items = sum(n for _, n in weighted)
        return sum(d * n for d, n in weighted) / items if items else None


# --- reading ----------------------------------------------------------------------


def parse_deadline(text: str | None) -> date | None:
    """A deadline from a form (``YYYY-MM-DD``, blank for none)."""
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"deadline: expected a date YYYY-MM-DD, not {text!r}") from None


def _scorecard(connection: Connection, workspace_id: int, scorecard_id: int) -> StoredScorecard:
    try:
        return scorecard_version(connection, workspace_id, scorecard_id)
    except NotFound:
        raise InvalidInput(f"scorecard: no scorecard {scorecard_id} in this workspace") from None


def _names(connection: Connection, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = connection.execute(
        select(users.c.id, users.c.display_name).where(users.c.id.in_(wanted))
    )
    return {int(row.id): row.display_name for row in rows}


def _load(connection: Connection, viewer: Viewer, session_id: int) -> CalibrationSession:
    row = connection.execute(
        select(calibration_sessions).where(
            calibration_sessions.c.id == session_id,
            calibration_sessions.c.workspace_id == viewer.workspace.id,
        )
    ).first()
    if row is None:
        raise NotFound(f"no calibration session {session_id}")
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
        )
        .join(interactions, interactions.c.id == calibration_items.c.interaction_id)
        .where(calibration_items.c.session_id == session_id)
        .order_by(calibration_items.c.id)
    ).all()
    names = _names(connection, [row.created_by, *(r.reference_by for r in item_rows)])
    return CalibrationSession(
        id=int(row.id),
        name=row.name,
        status=row.status,
        scorecard=_scorecard(connection, viewer.workspace.id, int(row.scorecard_id)),
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
                agent=r.agent_name or r.agent_external_id,
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


def _open_to(viewer: Viewer, session: CalibrationSession) -> None:
    """Leads see every session of the workspace; reviewers the ones they are invited to."""
    require(viewer, Action.TAKE_PART_IN_CALIBRATION)
    if allowed(viewer, Action.RUN_CALIBRATION):
        return
    if session.participant(viewer.account.id) is None:
        raise Forbidden("you are not invited to this calibration session")


def _results_visible(viewer: Viewer, session: CalibrationSession) -> bool:
    """Blind scoring: the others' scores show once your own are in, or the session is closed."""
    if not session.is_open:
        return True
    me = session.participant(viewer.account.id)
    if me is None:
        return allowed(viewer, Action.RUN_CALIBRATION)
    return me.submitted_at is not None


def _own_scores(
    connection: Connection, session: CalibrationSession, user_id: int
) -> dict[int, OwnScore]:
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
    session = _load(connection, viewer, session_id)
    _open_to(viewer, session)
    me = session.participant(viewer.account.id)
    return SessionView(
        session=session,
        own=_own_scores(connection, session, viewer.account.id) if me else {},
        is_participant=me is not None,
        has_submitted=me is not None and me.submitted_at is not None,
        can_run=allowed(viewer, Action.RUN_CALIBRATION),
        can_see_results=_results_visible(viewer, session),
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
    return [_load(connection, viewer, int(i)) for i in ids]


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


# --- changing ---------------------------------------------------------------------


def _event(
    connection: Connection,
    viewer: Viewer,
    session_id: int,
    action: str,
    details: dict[str, Any] | None = None,
) -> None:
    connection.execute(
        insert(review_events).values(
            workspace_id=viewer.workspace.id,
            subject="calibration",
            subject_id=session_id,
            actor_id=viewer.account.id,
            action=action,
            details=details,
            at=utcnow(),
        )
    )


def _resolve_interactions(
    connection: Connection, viewer: Viewer, ids: Sequence[int], external_ids: Sequence[str]
) -> list[int]:
    workspace_id = viewer.workspace.id
    chosen = list(dict.fromkeys(ids))
    if chosen:
        known = set(
            connection.execute(
                select(interactions.c.id).where(
                    interactions.c.workspace_id == workspace_id, interactions.c.id.in_(chosen)
                )
            ).scalars()
        )
        stray = [i for i in chosen if i not in known]
        if stray:
            raise InvalidInput(f"interactions: no interaction {stray[0]} in this workspace")
    for external in dict.fromkeys(e.strip() for e in external_ids if e.strip()):
        found = connection.execute(
            select(interactions.c.id).where(
                interactions.c.workspace_id == workspace_id,
                interactions.c.external_id == external,
            )
        ).scalars()
        matches = list(found)
        if not matches:
            raise InvalidInput(f"interactions: no interaction with id {external!r}")
        if len(matches) > 1:
            raise InvalidInput(
                f"interactions: {external!r} names {len(matches)} interactions "
                "(from different sources); tick the one you mean in the list"
            )
        if matches[0] not in chosen:
            chosen.append(int(matches[0]))
    return chosen


def create_session(
    connection: Connection,
    viewer: Viewer,
    *,
    name: str,
    scorecard_id: int,
    interaction_ids: Sequence[int] = (),
    external_ids: Sequence[str] = (),
    participant_ids: Sequence[int],
    deadline: date | None = None,
) -> int:
    """Start a session; the id of the new session."""
    require(viewer, Action.RUN_CALIBRATION)
    name = name.strip()
    if not name:
        raise InvalidInput("name: give the session a name")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"name: at most {MAX_NAME} characters")
    card = _scorecard(connection, viewer.workspace.id, scorecard_id)
    chosen = _resolve_interactions(connection, viewer, interaction_ids, external_ids)
    if not chosen:
        raise InvalidInput("interactions: choose at least one interaction to calibrate on")
    if len(chosen) > MAX_ITEMS:
        raise InvalidInput(f"interactions: at most {MAX_ITEMS} in one session, not {len(chosen)}")
    eligible = {p.id for p in eligible_reviewers(connection, viewer)}
    people = list(dict.fromkeys(participant_ids))
    stray = [p for p in people if p not in eligible]
    if stray:
        raise InvalidInput(
            f"reviewers: user {stray[0]} is not a reviewer, QA lead or admin of this workspace"
        )
    if len(people) < 2:
        raise InvalidInput("reviewers: invite at least two reviewers; agreement needs two raters")
    local = zone(viewer.workspace.timezone)
    now = utcnow()
    due = None
    if deadline is not None:
        due = to_utc(datetime.combine(deadline + timedelta(days=1), time()), local)
        if due <= now:
            raise InvalidInput("deadline: the date has passed")
    inserted = connection.execute(
        insert(calibration_sessions).values(
            workspace_id=viewer.workspace.id,
            name=name,
            scorecard_id=card.id,
            status=OPEN,
            deadline=due,
            created_by=viewer.account.id,
            created_at=now,
            version=1,
        )
    ).inserted_primary_key
    assert inserted is not None
    session_id = int(inserted[0])
    connection.execute(
        insert(calibration_participants),
        [{"session_id": session_id, "user_id": p} for p in people],
    )
    connection.execute(
        insert(calibration_items),
        [{"session_id": session_id, "interaction_id": i, "version": 1} for i in chosen],
    )
    _event(
        connection,
        viewer,
        session_id,
        "created",
        {"scorecard": f"{card.name} v{card.version}", "items": len(chosen), "people": people},
    )
    return session_id


def _scoring(
    connection: Connection, viewer: Viewer, session_id: int
) -> tuple[CalibrationSession, Participant]:
    """The open session and the viewer's place in it, for changing their own scores."""
    require(viewer, Action.TAKE_PART_IN_CALIBRATION)
    session = _load(connection, viewer, session_id)
    me = session.participant(viewer.account.id)
    if me is None:
        raise Forbidden("you are not invited to score in this calibration session")
    if not session.is_open:
        raise Conflict("this calibration session is closed: its scores are frozen")
    return session, me


def _stale(what: str, current: int | None) -> Conflict:
    now = f" (it is at version {current} now)" if current is not None else ""
    return Conflict(
        f"{what} was saved by someone else since you opened it{now}; "
        "reload the page to see the current answers, then make your change again"
    )


def save_score(
    connection: Connection,
    viewer: Viewer,
    *,
    session_id: int,
    item_id: int,
    answers: Mapping[str, object],
    comment: str | None,
    version: int,
) -> OwnScore:
    """Save the viewer's draft score of one interaction (``version``: the one edited, 0 if new)."""
    session, me = _scoring(connection, viewer, session_id)
    item = session.item(item_id)
    if me.submitted_at is not None:
        raise Conflict("you have submitted your scores in this session; they no longer change")
    card = session.scorecard.scorecard
    parsed = parse_answers(card, answers)
    comment = (comment or "").strip() or None
    if comment and len(comment) > MAX_COMMENT:
        raise InvalidInput(f"comment: at most {MAX_COMMENT} characters")
    score = score_of(card, parsed)
    values = {
        "items": answers_to_items(card, parsed),
        "score": score,
        "comment": comment,
        "updated_at": utcnow(),
    }
    current = connection.execute(
        select(calibration_scores.c.id, calibration_scores.c.version).where(
            calibration_scores.c.item_id == item.id,
            calibration_scores.c.user_id == viewer.account.id,
        )
    ).first()
    if current is None:
        if version != 0:
            raise _stale("your score of this interaction", None)
        try:
            with connection.begin_nested():
                connection.execute(
                    insert(calibration_scores).values(
                        item_id=item.id, user_id=viewer.account.id, version=1, **values
                    )
                )
        except IntegrityError:
            raise _stale("your score of this interaction", None) from None
        new_version = 1
    else:
        changed = connection.execute(
            update(calibration_scores)
            .where(
                calibration_scores.c.id == current.id,
                calibration_scores.c.version == version,
            )
            .values(version=calibration_scores.c.version + 1, **values)
        ).rowcount
        if changed != 1:
            raise _stale("your score of this interaction", int(current.version))
        new_version = version + 1
    return OwnScore(
        item_id=item.id,
        answers=parsed,
        comment=comment,
        score=score,
        version=new_version,
        submitted=False,
        complete=not missing_answers(card, parsed),
    )


def submit_scores(connection: Connection, viewer: Viewer, *, session_id: int) -> None:
    """Hand in the viewer's scores: every interaction, every criterion answered."""
    session, me = _scoring(connection, viewer, session_id)
    if me.submitted_at is not None:
        return
    own = _own_scores(connection, session, viewer.account.id)
    card = session.scorecard.scorecard
    for item in session.items:
        score = own.get(item.id)
        if score is None:
            raise InvalidInput(f"interaction {item.external_id}: not scored yet")
        missing = missing_answers(card, score.answers)
        if missing:
            raise InvalidInput(f"interaction {item.external_id}: criterion {missing[0]} is blank")
    connection.execute(
        update(calibration_scores)
        .where(
            calibration_scores.c.user_id == viewer.account.id,
            calibration_scores.c.item_id.in_([i.id for i in session.items]),
        )
        .values(submitted_at=utcnow(), version=calibration_scores.c.version + 1)
    )
    _event(connection, viewer, session_id, "submitted")


def record_reference(
    connection: Connection,
    viewer: Viewer,
    *,
    session_id: int,
    item_id: int,
    answers: Mapping[str, object],
    version: int,
) -> int:
    """Record the agreed reference answers of one interaction; its new version."""
    require(viewer, Action.RUN_CALIBRATION)
    session = _load(connection, viewer, session_id)
    item = session.item(item_id)
    if not session.is_open:
        raise Conflict("this calibration session is closed: its reference is frozen")
    if not _results_visible(viewer, session):
        raise Forbidden("submit your own scores first: the others' stay hidden until then")
    card = session.scorecard.scorecard
    parsed = parse_answers(card, answers)
    missing = missing_answers(card, parsed)
    if missing:
        raise InvalidInput(f"answers.{missing[0]}: the reference answers every criterion")
    changed = connection.execute(
        update(calibration_items)
        .where(calibration_items.c.id == item.id, calibration_items.c.version == version)
        .values(
            reference_items=answers_to_items(card, parsed),
            reference_score=score_of(card, parsed),
            reference_by=viewer.account.id,
            reference_at=utcnow(),
            version=calibration_items.c.version + 1,
        )
    ).rowcount
    if changed != 1:
        raise _stale(f"the reference of interaction {item.external_id}", item.version)
    _event(connection, viewer, session_id, "reference", {"item": item.id})
    return version + 1


def close_session(connection: Connection, viewer: Viewer, *, session_id: int, version: int) -> None:
    """Close and freeze a session: no more scores, no more reference changes."""
    require(viewer, Action.RUN_CALIBRATION)
    session = _load(connection, viewer, session_id)
    if not session.is_open:
        raise Conflict("this calibration session is already closed")
    changed = connection.execute(
        update(calibration_sessions)
        .where(
            calibration_sessions.c.id == session.id,
            calibration_sessions.c.version == version,
        )
        .values(status=CLOSED, closed_at=utcnow(), version=calibration_sessions.c.version + 1)
    ).rowcount
    if changed != 1:
        raise _stale("this session", session.version)
    _event(connection, viewer, session_id, "closed")


# --- results ----------------------------------------------------------------------


def _figures(
    connection: Connection, session: CalibrationSession
) -> tuple[SessionFigures, dict[tuple[int, int], str]]:
    """Figures over the submitted scores only (drafts are nobody's business)."""
    rows = connection.execute(
        select(
            calibration_scores.c.item_id,
            calibration_scores.c.user_id,
            calibration_scores.c["items"],
            calibration_scores.c.comment,
        ).where(
            calibration_scores.c.item_id.in_([i.id for i in session.items]),
            calibration_scores.c.submitted_at.is_not(None),
        )
    ).all()
    by_item: dict[int, dict[int, Answers]] = {i.id: {} for i in session.items}
    comments: dict[tuple[int, int], str] = {}
    for row in rows:
        by_item[int(row.item_id)][int(row.user_id)] = items_to_answers(row._mapping["items"])
        if row.comment:
            comments[(int(row.item_id), int(row.user_id))] = row.comment
    figures = session_figures(
        session.scorecard.scorecard,
        [ItemAnswers(i.id, by_item[i.id], i.reference) for i in session.items],
    )
    return figures, comments


def session_results(connection: Connection, viewer: Viewer, session_id: int) -> SessionResults:
    """Where the raters differ and how much they agree (hidden until one's own are in)."""
    session = _load(connection, viewer, session_id)
    _open_to(viewer, session)
    if not _results_visible(viewer, session):
        raise Forbidden("submit your own scores first: the others' stay hidden until then")
    figures, comments = _figures(connection, session)
    return SessionResults(
        session=session,
        figures=figures,
        raters=_names(connection, figures.raters),
        comments=comments,
        can_edit_reference=session.is_open and allowed(viewer, Action.RUN_CALIBRATION),
    )


def reviewer_deviation(connection: Connection, viewer: Viewer) -> list[ReviewerHistory]:
    """Each reviewer's distance from the reference in closed sessions, oldest session first."""
    require(viewer, Action.VIEW_REVIEWER_STATS)
    ids = connection.execute(
        select(calibration_sessions.c.id)
        .where(
            calibration_sessions.c.workspace_id == viewer.workspace.id,
            calibration_sessions.c.status == CLOSED,
        )
        .order_by(calibration_sessions.c.closed_at, calibration_sessions.c.id)
    ).scalars()
    entries: dict[int, list[DeviationEntry]] = {}
    for session_id in list(ids):
        session = _load(connection, viewer, int(session_id))
        if not session.references:
            continue
        figures, _ = _figures(connection, session)
        assert session.closed_at is not None
        for deviation in figures.deviations:
            if not deviation.criteria_compared:
                continue
            entries.setdefault(deviation.rater_id, []).append(
                DeviationEntry(session.id, session.name, session.closed_at, deviation)
            )
    names = _names(connection, entries)
    histories = [
        ReviewerHistory(Person(r, names.get(r, str(r))), tuple(e)) for r, e in entries.items()
    ]
    return sorted(histories, key=lambda h: (h.reviewer.name, h.reviewer.id))
