"""Changing a calibration session: creating it, scoring, submitting, the reference, closing.

Every change names the version it edited; a stale save raises ``Conflict``
instead of overwriting someone else's work, and every step is kept in the
review history (subject ``calibration``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, require
from kontrol.domain.clock import to_utc, utcnow, zone
from kontrol.domain.errors import Conflict, Forbidden, InvalidInput, KontrolError, NotFound
from kontrol.review.calibration.figures import (
    answers_to_items,
    missing_answers,
    parse_answers,
    score_of,
)
from kontrol.review.calibration.sessions import (
    CLOSED,
    MAX_COMMENT,
    MAX_ITEMS,
    MAX_NAME,
    OPEN,
    CalibrationSession,
    OwnScore,
    Participant,
    eligible_reviewers,
    load_session,
    own_scores,
    parse_deadline,
    results_visible,
    scorecard_in_workspace,
)
from kontrol.store.tables import (
    calibration_items,
    calibration_participants,
    calibration_scores,
    calibration_sessions,
    interactions,
    review_events,
)

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
            raise InvalidInput(
                f"interactions: no interaction {stray[0]} in this workspace",
                key="review.error.no_interaction_here",
                params={"stray": stray[0]},
                where_key="error.where.field",
                where_params={"field": "interactions"},
            )
    for external in dict.fromkeys(e.strip() for e in external_ids if e.strip()):
        found = connection.execute(
            select(interactions.c.id).where(
                interactions.c.workspace_id == workspace_id,
                interactions.c.external_id == external,
            )
        ).scalars()
        matches = list(found)
        if not matches:
            raise InvalidInput(
                f"interactions: no interaction with id {external!r}",
                key="review.error.no_interaction_id",
                params={"external": external},
                where_key="error.where.field",
                where_params={"field": "interactions"},
            )
        if len(matches) > 1:
            raise InvalidInput(
                f"interactions: {external!r} names {len(matches)} interactions "
                "(from different sources); tick the one you mean in the list",
                key="review.error.ambiguous_id",
                params={"external": external, "count": len(matches)},
                where_key="error.where.field",
                where_params={"field": "interactions"},
            )
        if matches[0] not in chosen:
            chosen.append(int(matches[0]))
    return chosen


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput(
            "name: give the session a name",
            key="review.error.session_name",
            where_key="error.where.field",
            where_params={"field": "name"},
        )
    if len(name) > MAX_NAME:
        raise InvalidInput(
            f"name: at most {MAX_NAME} characters",
            key="review.error.name_long",
            params={"MAX_NAME": MAX_NAME},
            where_key="error.where.field",
            where_params={"field": "name"},
        )
    return name


def _checked_items(
    connection: Connection,
    viewer: Viewer,
    interaction_ids: Sequence[int],
    external_ids: Sequence[str],
) -> list[int]:
    chosen = _resolve_interactions(connection, viewer, interaction_ids, external_ids)
    if not chosen:
        raise InvalidInput(
            "interactions: choose at least one interaction to calibrate on",
            key="review.error.choose_interaction",
            where_key="error.where.field",
            where_params={"field": "interactions"},
        )
    if len(chosen) > MAX_ITEMS:
        raise InvalidInput(
            f"interactions: at most {MAX_ITEMS} in one session, not {len(chosen)}",
            key="review.error.too_many_items",
            params={"MAX_ITEMS": MAX_ITEMS, "count": len(chosen)},
            where_key="error.where.field",
            where_params={"field": "interactions"},
        )
    return chosen


def _checked_people(
    connection: Connection, viewer: Viewer, participant_ids: Sequence[int]
) -> list[int]:
    eligible = {p.id for p in eligible_reviewers(connection, viewer)}
    people = list(dict.fromkeys(participant_ids))
    stray = [p for p in people if p not in eligible]
    if stray:
        raise InvalidInput(
            f"reviewers: user {stray[0]} is not a reviewer, QA lead or admin of this workspace",
            key="review.error.not_reviewer",
            params={"stray": stray[0]},
            where_key="error.where.field",
            where_params={"field": "reviewers"},
        )
    if len(people) < 2:
        raise InvalidInput(
            "reviewers: invite at least two reviewers; agreement needs two raters",
            key="review.error.two_reviewers",
            where_key="error.where.field",
            where_params={"field": "reviewers"},
        )
    return people


def _checked_due(viewer: Viewer, deadline: date | None, now: datetime) -> datetime | None:
    if deadline is None:
        return None
    due = to_utc(
        datetime.combine(deadline + timedelta(days=1), time()), zone(viewer.workspace.timezone)
    )
    if due <= now:
        raise InvalidInput(
            "deadline: the date has passed",
            key="review.error.date_passed",
            where_key="error.where.field",
            where_params={"field": "deadline"},
        )
    return due


@dataclass(frozen=True)
class SessionForm:
    """A new session as its form gives it: text, as typed."""

    name: str = ""
    scorecard_id: str = ""
    interaction_ids: Sequence[str] = ()
    external_ids: Sequence[str] = ()
    participant_ids: Sequence[str] = ()
    deadline: str = ""


def _numbers(values: Sequence[str], field: str) -> list[int]:
    try:
        return [int(value) for value in values]
    except ValueError:
        raise InvalidInput(
            f"{field}: expected a number",
            key="review.error.number_not",
            params={"value": next(v for v in values if not v.lstrip("-").isdigit())},
            where_key="error.where.field",
            where_params={"field": field},
        ) from None


def session_problems(
    connection: Connection, viewer: Viewer, form: SessionForm
) -> dict[str, KontrolError]:
    """Every wrong field of the form that starts a session at once, by field.

    ``create_session`` stops at the first; the form shows them all, each next to
    its field.
    """
    problems: dict[str, KontrolError] = {}

    def check(field: str, run: Callable[[], object]) -> None:
        try:
            run()
        except (InvalidInput, NotFound) as error:
            problems[field] = error

    check("name", lambda: _checked_name(form.name))
    check(
        "scorecard",
        lambda: scorecard_in_workspace(
            connection, viewer.workspace.id, _numbers([form.scorecard_id], "scorecard")[0]
        ),
    )
    check(
        "interactions",
        lambda: _checked_items(
            connection,
            viewer,
            _numbers(list(form.interaction_ids), "interactions"),
            form.external_ids,
        ),
    )
    check(
        "reviewers",
        lambda: _checked_people(
            connection, viewer, _numbers(list(form.participant_ids), "reviewers")
        ),
    )
    check("deadline", lambda: _checked_due(viewer, parse_deadline(form.deadline), utcnow()))
    return problems


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
    name = _checked_name(name)
    card = scorecard_in_workspace(connection, viewer.workspace.id, scorecard_id)
    chosen = _checked_items(connection, viewer, interaction_ids, external_ids)
    people = _checked_people(connection, viewer, participant_ids)
    now = utcnow()
    due = _checked_due(viewer, deadline, now)
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
    session = load_session(connection, viewer, session_id)
    me = session.participant(viewer.account.id)
    if me is None:
        raise Forbidden(
            "you are not invited to score in this calibration session",
            key="review.error.not_invited_to_score",
        )
    if not session.is_open:
        raise Conflict(
            "this calibration session is closed: its scores are frozen",
            key="review.error.closed_scores",
        )
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
        raise Conflict(
            "you have submitted your scores in this session; they no longer change",
            key="review.error.submitted",
        )
    card = session.scorecard.scorecard
    parsed = parse_answers(card, answers)
    comment = (comment or "").strip() or None
    if comment and len(comment) > MAX_COMMENT:
        raise InvalidInput(
            f"comment: at most {MAX_COMMENT} characters",
            key="review.error.comment_long",
            params={"MAX_COMMENT": MAX_COMMENT},
            where_key="error.where.field",
            where_params={"field": "comment"},
        )
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
    own = own_scores(connection, session, viewer.account.id)
    card = session.scorecard.scorecard
    for item in session.items:
        score = own.get(item.id)
        if score is None:
            raise InvalidInput(
                f"interaction {item.external_id}: not scored yet",
                key="review.error.not_scored",
                params={"external_id": item.external_id},
            )
        missing = missing_answers(card, score.answers)
        if missing:
            raise InvalidInput(
                f"interaction {item.external_id}: criterion {missing[0]} is blank",
                key="review.error.criterion_blank",
                params={"external_id": item.external_id, "missing": missing[0]},
            )
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
    session = load_session(connection, viewer, session_id)
    item = session.item(item_id)
    if not session.is_open:
        raise Conflict(
            "this calibration session is closed: its reference is frozen",
            key="review.error.closed_reference",
        )
    if not results_visible(viewer, session):
        raise Forbidden(
            "submit your own scores first: the others' stay hidden until then",
            key="review.error.own_scores_first",
        )
    card = session.scorecard.scorecard
    parsed = parse_answers(card, answers)
    missing = missing_answers(card, parsed)
    if missing:
        raise InvalidInput(
            f"answers.{missing[0]}: the reference answers every criterion",
            key="review.error.reference_all",
            params={"missing": missing[0]},
        )
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
    session = load_session(connection, viewer, session_id)
    if not session.is_open:
        raise Conflict(
            "this calibration session is already closed", key="review.error.already_closed"
        )
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
