"""Calibration sessions for the demo workspace, made through the ordinary service calls.

One closed session in which the QA lead and two reviewers scored four chats
blind and the lead recorded the reference (so the results page shows the
differences and the agreement figures, and "who reviews the reviewers" has a
history), and one open session the demo reviewer has begun.
"""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from kontrol.accounts.access import Viewer
from kontrol.checks.scorecards import StoredScorecard, active_scorecards
from kontrol.demo.seed.accounts import demo_viewer
from kontrol.review.calibration.session_changes import (
    close_session,
    create_session,
    record_reference,
    save_score,
    submit_scores,
)
from kontrol.review.calibration.sessions import get_session
from kontrol.store.tables import calibration_sessions, evaluations, interactions

# How often each demo person answers a criterion differently from the checks.
DEMO_RATERS = (("qa", 0.05), ("reviewer", 0.12), ("reviewer2", 0.25))
FLIP = {"pass": "fail", "fail": "pass", "na": "pass"}


def _machine_answers(connection: Connection, interaction_id: int, scorecard_id: int) -> Any:
    items = connection.execute(
        select(evaluations.c["items"]).where(
            evaluations.c.interaction_id == interaction_id,
            evaluations.c.scorecard_id == scorecard_id,
            evaluations.c.kind == "auto",
        )
    ).scalar()
    return {item["criterion"]: item["result"] for item in items or ()}


def _answers(
    machine: dict[str, Any], criteria: list[Any], dice: random.Random, flip_rate: float
) -> dict[str, str]:
    answers = {}
    for criterion in criteria:
        found = machine.get(criterion.id)
        if criterion.scale == "1-5":
            answers[criterion.id] = str(dice.choice((3, 4, 4, 5)))
        elif found in ("pass", "fail", "na"):
            answers[criterion.id] = FLIP[found] if dice.random() < flip_rate else found
        else:  # a criterion only a person answers
            answers[criterion.id] = "fail" if dice.random() < 0.2 else "pass"
    return answers


def _recent_chats(connection: Connection, workspace_id: int, scorecard_id: int) -> list[int]:
    """The seven newest chats the checks scored on this scorecard."""
    return list(
        connection.execute(
            select(interactions.c.id)
            .join(evaluations, evaluations.c.interaction_id == interactions.c.id)
            .where(
                interactions.c.workspace_id == workspace_id,
                interactions.c.channel == "chat",
                evaluations.c.scorecard_id == scorecard_id,
                evaluations.c.kind == "auto",
            )
            .order_by(interactions.c.started_at.desc())
            .limit(7)
        ).scalars()
    )


def _closed_session(
    connection: Connection,
    raters: list[tuple[Viewer, float]],
    card: StoredScorecard,
    chats: list[int],
    dice: random.Random,
) -> None:
    """Everyone scores four chats blind and submits; the lead records the reference, closes."""
    lead = raters[0][0]
    criteria = list(card.scorecard.criteria)
    closed = create_session(
        connection,
        lead,
        name="Калибровка: чаты о доставке",
        scorecard_id=card.id,
        interaction_ids=chats,
        participant_ids=[viewer.account.id for viewer, _ in raters],
    )
    items = get_session(connection, lead, closed).session.items
    for viewer, rate in raters:
        for item in items:
            machine = _machine_answers(connection, item.interaction_id, card.id)
            save_score(
                connection,
                viewer,
                session_id=closed,
                item_id=item.id,
                answers=_answers(machine, criteria, dice, rate),
                comment=None,
                version=0,
            )
        submit_scores(connection, viewer, session_id=closed)
    for item in items:
        machine = _machine_answers(connection, item.interaction_id, card.id)
        record_reference(
            connection,
            lead,
            session_id=closed,
            item_id=item.id,
            answers=_answers(machine, criteria, dice, 0.0),
            version=item.version,
        )
    close_session(
        connection,
        lead,
        session_id=closed,
        version=get_session(connection, lead, closed).session.version,
    )


def _open_session(
    connection: Connection,
    raters: list[tuple[Viewer, float]],
    card: StoredScorecard,
    chats: list[int],
    dice: random.Random,
) -> None:
    """A session under way: the demo reviewer has scored the first chat as a draft."""
    lead = raters[0][0]
    begun = create_session(
        connection,
        lead,
        name="Калибровка: сложные чаты недели",
        scorecard_id=card.id,
        interaction_ids=chats,
        participant_ids=[viewer.account.id for viewer, _ in raters],
    )
    reviewer, rate = raters[1]
    first = get_session(connection, lead, begun).session.items[0]
    save_score(
        connection,
        reviewer,
        session_id=begun,
        item_id=first.id,
        answers=_answers(
            _machine_answers(connection, first.interaction_id, card.id),
            list(card.scorecard.criteria),
            dice,
            rate,
        ),
        comment="Срок доставки назван неточно",
        version=0,
    )


def seed_calibration_demo(engine: Engine, workspace_id: int, *, seed: int = 11) -> int:
    """The demo's calibration sessions (none if it has some already); how many were made."""
    dice = random.Random(seed)
    with engine.begin() as connection:
        existing = connection.execute(
            select(func.count())
            .select_from(calibration_sessions)
            .where(calibration_sessions.c.workspace_id == workspace_id)
        ).scalar()
        people = [(demo_viewer(connection, workspace_id, name), rate) for name, rate in DEMO_RATERS]
        raters = [(viewer, rate) for viewer, rate in people if viewer is not None]
        card = next(
            (c for c in active_scorecards(connection, workspace_id) if c.name == "default-ru"),
            None,
        )
        if existing or len(raters) < 3 or card is None:
            return 0
        chats = _recent_chats(connection, workspace_id, card.id)
        if len(chats) < 7:
            return 0
        _closed_session(connection, raters, card, chats[:4], dice)
        _open_session(connection, raters, card, chats[4:7], dice)
    return 2
