"""Manual evaluations: a reviewer scores an interaction beside the machine's verdicts.

A manual evaluation is an ``evaluations`` row with ``kind='manual'``, stored next
to the automatic one (never replacing it). It starts pre-filled from the newest
automatic evaluation: every criterion bound to a check carries the machine's
answer (``auto_result``), which the reviewer keeps or overturns; criteria only a
person can answer start empty. A ``draft`` is the reviewer's own unfinished work
and counts nowhere; ``submitted`` counts in the KPIs at once (metrics/evaluations.py
takes the newest submitted manual evaluation of an interaction).

Every save names the ``version`` it edited; a save over a newer version is refused
with :class:`Conflict` (optimistic concurrency), so when two people edit the same
evaluation the second one learns about the first instead of overwriting it. Every
change is written to ``review_events``.

This module reads manual evaluations; ``review/scoring_form.py`` builds the form a
reviewer fills, ``review/saving.py`` saves it, and ``review/assigned_items.py`` is
the reviewer's side of the queues.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, allowed, require, visible_interaction, whole_workspace
from kontrol.domain.errors import NotFound
from kontrol.review.history import history
from kontrol.store.tables import (
    evaluations,
    interactions,
    scorecards,
    users,
)

MANUAL = "manual"
DRAFT = "draft"
SUBMITTED = "submitted"


@dataclass(frozen=True, slots=True)
class ManualEvaluation:
    """A stored manual evaluation."""

    id: int
    interaction_id: int
    scorecard_id: int
    reviewer_id: int | None
    reviewer_name: str | None
    status: str
    score: float | None
    passed: bool | None
    comment: str | None
    version: int
    created_at: datetime
    updated_at: datetime | None
    auto_evaluation_id: int | None
    review_item_id: int | None
    items: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        """The API form."""
        return {
            "id": self.id,
            "interaction_id": self.interaction_id,
            "scorecard_id": self.scorecard_id,
            "kind": MANUAL,
            "status": self.status,
            "reviewer_id": self.reviewer_id,
            "reviewer": self.reviewer_name,
            "score": self.score,
            "passed": self.passed,
            "comment": self.comment,
            "version": self.version,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "auto_evaluation_id": self.auto_evaluation_id,
            "review_item_id": self.review_item_id,
            "items": self.items,
        }


def _manual(row: Any) -> ManualEvaluation:
    return ManualEvaluation(
        id=int(row.id),
        interaction_id=int(row.interaction_id),
        scorecard_id=int(row.scorecard_id),
        reviewer_id=row.reviewer_id,
        reviewer_name=row.reviewer_name,
        status=row.status,
        score=row.score,
        passed=row.passed,
        comment=row.comment,
        version=int(row.version),
        created_at=row.created_at,
        updated_at=row.updated_at,
        auto_evaluation_id=row.auto_evaluation_id,
        review_item_id=row.review_item_id,
        items=list(row.items or []),
    )


def _manual_query() -> Any:
    return select(evaluations, users.c.display_name.label("reviewer_name")).outerjoin(
        users, users.c.id == evaluations.c.reviewer_id
    )


def _may_see(viewer: Viewer, evaluation: ManualEvaluation) -> bool:
    """Drafts are their reviewer's own; a submitted one is also the leads' to change."""
    if evaluation.reviewer_id == viewer.account.id:
        return True
    return evaluation.status == SUBMITTED and whole_workspace(viewer)


def get_evaluation(connection: Connection, viewer: Viewer, evaluation_id: int) -> ManualEvaluation:
    """A manual evaluation the viewer may change (else ``NotFound``)."""
    require(viewer, Action.REVIEW)
    row = connection.execute(
        _manual_query().where(
            evaluations.c.id == evaluation_id,
            evaluations.c.workspace_id == viewer.workspace.id,
            evaluations.c.kind == MANUAL,
        )
    ).first()
    if row is None or not _may_see(viewer, _manual(row)):
        raise NotFound(
            f"no manual evaluation {evaluation_id}",
            key="review.error.no_manual_evaluation",
            params={"evaluation_id": evaluation_id},
        )
    visible_interaction(connection, viewer, int(row.interaction_id))
    return _manual(row)


def own_evaluation(
    connection: Connection, viewer: Viewer, interaction_id: int
) -> ManualEvaluation | None:
    """The viewer's newest manual evaluation of this interaction, draft or submitted."""
    row = connection.execute(
        _manual_query()
        .where(
            evaluations.c.interaction_id == interaction_id,
            evaluations.c.kind == MANUAL,
            evaluations.c.reviewer_id == viewer.account.id,
        )
        .order_by(evaluations.c.id.desc())
        .limit(1)
    ).first()
    return _manual(row) if row is not None else None


def my_evaluations(
    connection: Connection, viewer: Viewer, *, status: str, limit: int = 20
) -> list[tuple[ManualEvaluation, str, datetime]]:
    """The viewer's own manual evaluations in ``status``, newest first, with channel and time."""
    require(viewer, Action.REVIEW)
    rows = connection.execute(
        _manual_query()
        .add_columns(interactions.c.channel, interactions.c.started_at)
        .join(interactions, interactions.c.id == evaluations.c.interaction_id)
        .where(
            evaluations.c.workspace_id == viewer.workspace.id,
            evaluations.c.kind == MANUAL,
            evaluations.c.reviewer_id == viewer.account.id,
            evaluations.c.status == status,
        )
        .order_by(func.coalesce(evaluations.c.updated_at, evaluations.c.created_at).desc())
        .limit(limit)
    )
    return [(_manual(row), row.channel, row.started_at) for row in rows]


def evaluation_history(
    connection: Connection, workspace_id: int, evaluation_id: int
) -> list[dict[str, Any]]:
    """What happened to an evaluation, oldest first: who, when, what."""
    return [
        {"at": row.at, "actor": row.actor, "action": row.action, "details": dict(row.details or {})}
        for row in history(connection, workspace_id, "evaluation", evaluation_id)
    ]


def submitted_answers(
    connection: Connection, workspace_id: int, scorecard: str, verdicts: tuple[str, ...]
) -> dict[str, dict[int, str]]:
    """Reviewers' answers among ``verdicts`` to a scorecard's criteria, by criterion and
    interaction, from submitted manual evaluations (the latest review of a conversation wins).

    The labels the language-model criteria (judging) and the learned models compare with.
    """
    rows = connection.execute(
        select(evaluations.c.interaction_id, evaluations.c["items"])
        .join(scorecards, scorecards.c.id == evaluations.c.scorecard_id)
        .where(
            evaluations.c.workspace_id == workspace_id,
            evaluations.c.kind == MANUAL,
            evaluations.c.status == SUBMITTED,
            scorecards.c.name == scorecard,
        )
        .order_by(evaluations.c.id)
    )
    answers: dict[str, dict[int, str]] = {}
    for row in rows:
        for item in row.items or []:
            result = item.get("result")
            if result in verdicts:
                by_interaction = answers.setdefault(str(item.get("criterion")), {})
                by_interaction[int(row.interaction_id)] = str(result)
    return answers


def can_review(viewer: Viewer) -> bool:
    """Whether the reviewer workspace is in the viewer's navigation."""
    return allowed(viewer, Action.REVIEW)
