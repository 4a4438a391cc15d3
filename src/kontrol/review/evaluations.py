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
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, allowed, require, visible_interaction, whole_workspace
from kontrol.checks.scoring import (
    StoredEvaluation,
    StoredScorecard,
    active_scorecards,
    evaluations_of,
    scorecard_version,
)
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from kontrol.domain.scorecard import Criterion, Scorecard, Value, compute_score
from kontrol.review.history import history, record_event, stale_conflict
from kontrol.review.routing.queues import QUEUE_ORDER, complete_item
from kontrol.store.tables import (
    evaluations,
    interactions,
    review_items,
    review_queues,
    users,
)

MANUAL = "manual"
DRAFT = "draft"
SUBMITTED = "submitted"
PASS_FAIL_ANSWERS = ("pass", "fail", "na")
MARK_ANSWERS = ("1", "2", "3", "4", "5", "na")
COMMENT_LIMIT = 4000
OVERALL_COMMENT_LIMIT = 10000


# --- what the workspace shows -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CriterionAnswer:
    """One criterion of a manual evaluation: the machine's answer and the reviewer's."""

    criterion: Criterion
    section: str
    auto_result: str | None
    result: str | None
    comment: str | None

    @property
    def overturned(self) -> bool:
        """The reviewer answered otherwise than the machine."""
        return (
            self.auto_result is not None
            and self.result is not None
            and self.result != self.auto_result
        )

    @property
    def choices(self) -> tuple[str, ...]:
        """The answers this criterion accepts."""
        return MARK_ANSWERS if self.criterion.scale == "1-5" else PASS_FAIL_ANSWERS

    @property
    def required(self) -> bool:
        """Bonus criteria only add to a score: they may stay unanswered."""
        return not self.criterion.bonus


@dataclass(frozen=True, slots=True)
class AnswerInput:
    """What a reviewer sent for one criterion; it replaces the criterion's answer whole."""

    result: str | int | None = None
    comment: str | None = None


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


@dataclass(frozen=True, slots=True)
class AssignedItem:
    """An interaction waiting for a reviewer in a queue, with the reason it is there."""

    id: int
    queue_id: int
    queue: str
    interaction_id: int
    reason: str
    priority: int
    due_at: datetime | None
    status: str
    assignee_id: int | None
    evaluation_id: int | None
    version: int
    created_at: datetime

    def overdue(self, now: datetime) -> bool:
        """Past its due time and still open (``now`` as naive UTC)."""
        return self.status == "open" and self.due_at is not None and self.due_at < now

    def as_json(self) -> dict[str, Any]:
        """The API form."""
        return {
            "id": self.id,
            "queue_id": self.queue_id,
            "queue": self.queue,
            "interaction_id": self.interaction_id,
            "reason": self.reason,
            "priority": self.priority,
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "status": self.status,
            "assignee_id": self.assignee_id,
            "evaluation_id": self.evaluation_id,
            "version": self.version,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """A row of "my queue": the item and what the reviewer needs to pick it."""

    item: AssignedItem
    channel: str
    started_at: datetime
    agent: str | None
    customer: str | None
    topic: str | None


@dataclass(slots=True)
class ReviewForm:
    """Everything the reviewer workspace needs to score one interaction."""

    interaction_id: int
    scorecard: StoredScorecard
    auto: StoredEvaluation | None
    evaluation: ManualEvaluation | None
    answers: list[CriterionAnswer]
    comment: str | None
    item: AssignedItem | None
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def version(self) -> int | None:
        return self.evaluation.version if self.evaluation else None

    @property
    def status(self) -> str | None:
        return self.evaluation.status if self.evaluation else None

    @property
    def sections(self) -> list[tuple[str, list[CriterionAnswer]]]:
        """The answers grouped by the scorecard's sections, in order."""
        grouped: list[tuple[str, list[CriterionAnswer]]] = []
        for answer in self.answers:
            if not grouped or grouped[-1][0] != answer.section:
                grouped.append((answer.section, []))
            grouped[-1][1].append(answer)
        return grouped

    @property
    def preview(self) -> float | None:
        """The score the current answers give (what submitting would store)."""
        return compute_score(self.scorecard.scorecard, _results(self.answers)).score

    def as_json(self) -> dict[str, Any]:
        """The API form: the scorecard, the machine's answers and the reviewer's."""
        return {
            "interaction_id": self.interaction_id,
            "scorecard": {
                "id": self.scorecard.id,
                "name": self.scorecard.name,
                "version": self.scorecard.version,
                "title": self.scorecard.scorecard.title,
                "pass_mark": self.scorecard.scorecard.pass_mark,
            },
            "auto_evaluation": (
                {"id": self.auto.id, "score": self.auto.score, "passed": self.auto.passed}
                if self.auto
                else None
            ),
            "evaluation": self.evaluation.as_json() if self.evaluation else None,
            "item": self.item.as_json() if self.item else None,
            "comment": self.comment,
            "score_preview": self.preview,
            "criteria": [
                {
                    "criterion": a.criterion.id,
                    "section": a.section,
                    "title": a.criterion.title,
                    "check": a.criterion.check,
                    "scale": a.criterion.scale,
                    "weight": a.criterion.weight,
                    "critical": a.criterion.critical,
                    "required": a.required,
                    "auto_result": a.auto_result,
                    "result": a.result,
                    "comment": a.comment,
                }
                for a in self.answers
            ],
        }


# --- loading ----------------------------------------------------------------------------


def _refuse_own(viewer: Viewer, interaction: Any) -> None:
    mine = viewer.membership.agent_external_id
    if mine and interaction.agent_external_id == mine:
        raise Forbidden("you cannot review your own interaction")


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
        raise NotFound(f"no manual evaluation {evaluation_id}")
    visible_interaction(connection, viewer, int(row.interaction_id))
    return _manual(row)


def _own_evaluation(
    connection: Connection, viewer: Viewer, interaction_id: int
) -> ManualEvaluation | None:
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


def _item(row: Any) -> AssignedItem:
    return AssignedItem(
        id=int(row.id),
        queue_id=int(row.queue_id),
        queue=row.queue_name,
        interaction_id=int(row.interaction_id),
        reason=row.reason,
        priority=int(row.priority),
        due_at=row.due_at,
        status=row.status,
        assignee_id=row.assignee_id,
        evaluation_id=row.evaluation_id,
        version=int(row.version),
        created_at=row.created_at,
    )


def _item_query() -> Any:
    return select(review_items, review_queues.c.name.label("queue_name")).join(
        review_queues, review_queues.c.id == review_items.c.queue_id
    )


def get_assigned_item(connection: Connection, viewer: Viewer, item_id: int) -> AssignedItem:
    """A review item of the viewer (any item of the workspace for QA leads and admins)."""
    require(viewer, Action.REVIEW)
    row = connection.execute(
        _item_query().where(
            review_items.c.id == item_id, review_items.c.workspace_id == viewer.workspace.id
        )
    ).first()
    if row is None or (not whole_workspace(viewer) and row.assignee_id != viewer.account.id):
        raise NotFound(f"no review item {item_id}")
    return _item(row)


def _my_open_item(
    connection: Connection, viewer: Viewer, interaction_id: int
) -> AssignedItem | None:
    row = connection.execute(
        _item_query()
        .where(
            review_items.c.interaction_id == interaction_id,
            review_items.c.workspace_id == viewer.workspace.id,
            review_items.c.assignee_id == viewer.account.id,
            review_items.c.status == "open",
        )
        .order_by(review_items.c.priority.desc(), review_items.c.id)
        .limit(1)
    ).first()
    return _item(row) if row is not None else None


def my_queue(connection: Connection, viewer: Viewer, *, limit: int = 200) -> list[QueueEntry]:
    """Open items assigned to the viewer, by priority and due time."""
    require(viewer, Action.REVIEW)
    rows = connection.execute(
        select(
            review_items,
            review_queues.c.name.label("queue_name"),
            interactions.c.channel,
            interactions.c.started_at,
            func.coalesce(interactions.c.agent_name, interactions.c.agent_external_id).label(
                "agent"
            ),
            func.coalesce(interactions.c.customer_name, interactions.c.customer_id).label(
                "customer"
            ),
            interactions.c.topic,
        )
        .join(review_queues, review_queues.c.id == review_items.c.queue_id)
        .join(interactions, interactions.c.id == review_items.c.interaction_id)
        .where(
            review_items.c.workspace_id == viewer.workspace.id,
            review_items.c.assignee_id == viewer.account.id,
            review_items.c.status == "open",
        )
        .order_by(*QUEUE_ORDER)
        .limit(limit)
    )
    return [
        QueueEntry(_item(row), row.channel, row.started_at, row.agent, row.customer, row.topic)
        for row in rows
    ]


def next_in_queue(
    connection: Connection, viewer: Viewer, *, after: int | None = None
) -> AssignedItem | None:
    """The item to score next: the first of my queue other than ``after`` (the current one)."""
    for entry in my_queue(connection, viewer, limit=2):
        if entry.item.id != after:
            return entry.item
    return None


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


# --- the form ---------------------------------------------------------------------------


def _scorecard_for(
    connection: Connection, viewer: Viewer, interaction: Any
) -> tuple[StoredScorecard, StoredEvaluation | None]:
    """The scorecard of the newest automatic evaluation, else an active one that applies."""
    autos = evaluations_of(connection, int(interaction.id))
    if autos:
        newest = max(autos, key=lambda e: (e.created_at, e.id))
        return newest.scorecard, newest
    for card in active_scorecards(connection, viewer.workspace.id):
        if card.scorecard.applies_to(interaction.channel, interaction.language):
            return card, None
    raise InvalidInput(
        f"scorecard: no active scorecard applies to channel {interaction.channel!r}"
        + (f" and language {interaction.language!r}" if interaction.language else "")
    )


def _auto_for(
    connection: Connection, interaction_id: int, scorecard_id: int, seen: int | None
) -> StoredEvaluation | None:
    same = [e for e in evaluations_of(connection, interaction_id) if e.scorecard.id == scorecard_id]
    for evaluation in same:
        if evaluation.id == seen:
            return evaluation
    return max(same, key=lambda e: (e.created_at, e.id)) if same else None


def _prefilled(scorecard: Scorecard, auto: StoredEvaluation | None) -> list[CriterionAnswer]:
    answers = []
    for section in scorecard.sections:
        for criterion in section.criteria:
            machine = None
            if auto is not None and criterion.check is not None:
                machine = auto.items.get(criterion.id, (None, None))[0]
            answers.append(CriterionAnswer(criterion, section.title, machine, machine, None))
    return answers


def _stored_answers(
    scorecard: Scorecard, items: Sequence[Mapping[str, Any]]
) -> list[CriterionAnswer]:
    saved = {item.get("criterion"): item for item in items}
    answers = []
    for section in scorecard.sections:
        for criterion in section.criteria:
            item = saved.get(criterion.id, {})
            answers.append(
                CriterionAnswer(
                    criterion,
                    section.title,
                    item.get("auto_result"),
                    item.get("result"),
                    item.get("comment"),
                )
            )
    return answers


def review_form(
    connection: Connection,
    viewer: Viewer,
    interaction_id: int,
    *,
    item_id: int | None = None,
    evaluation_id: int | None = None,
) -> ReviewForm:
    """The scorecard to fill for an interaction, pre-filled from the machine's verdicts.

    Opens (in this order) the evaluation asked for, the one made from the item, or
    the viewer's own evaluation of this interaction; otherwise a new one pre-filled
    from the newest automatic evaluation. Nothing is written.
    """
    require(viewer, Action.REVIEW)
    interaction = visible_interaction(connection, viewer, interaction_id)
    _refuse_own(viewer, interaction)
    item = get_assigned_item(connection, viewer, item_id) if item_id is not None else None
    if item is not None and item.interaction_id != interaction_id:
        raise NotFound(f"no review item {item_id} for interaction {interaction_id}")
    if item is None:
        item = _my_open_item(connection, viewer, interaction_id)
    evaluation = None
    if evaluation_id is not None:
        evaluation = get_evaluation(connection, viewer, evaluation_id)
    elif item is not None and item.evaluation_id is not None:
        try:
            evaluation = get_evaluation(connection, viewer, item.evaluation_id)
        except NotFound:
            evaluation = None
    if evaluation is None and evaluation_id is None:
        evaluation = _own_evaluation(connection, viewer, interaction_id)
    if evaluation is not None and evaluation.interaction_id != interaction_id:
        raise NotFound(f"no manual evaluation {evaluation.id} of interaction {interaction_id}")
    if evaluation is not None:
        card = scorecard_version(connection, viewer.workspace.id, evaluation.scorecard_id)
        auto = _auto_for(connection, interaction_id, card.id, evaluation.auto_evaluation_id)
        answers = _stored_answers(card.scorecard, evaluation.items)
        comment = evaluation.comment
        events = evaluation_history(connection, viewer.workspace.id, evaluation.id)
    else:
        card, auto = _scorecard_for(connection, viewer, interaction)
        answers = _prefilled(card.scorecard, auto)
        comment = None
        events = []
    return ReviewForm(interaction_id, card, auto, evaluation, answers, comment, item, events)


# --- validation -------------------------------------------------------------------------


def _normal_result(answer: CriterionAnswer, value: str | int | None) -> str | None:
    where = f"items.{answer.criterion.id}.result"
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise InvalidInput(f"{where}: expected one of {', '.join(answer.choices)}")
    text = str(value).strip().lower()
    if text not in answer.choices:
        raise InvalidInput(f"{where}: {text[:20]!r} is not one of {', '.join(answer.choices)}")
    return text


def _normal_comment(value: str | None, where: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{where}: expected text")
    text = value.replace("\r\n", "\n").strip()
    if len(text) > limit:
        raise InvalidInput(f"{where}: at most {limit} characters")
    return text or None


def _apply(
    answers: list[CriterionAnswer], changes: Mapping[str, AnswerInput]
) -> list[CriterionAnswer]:
    known = {a.criterion.id for a in answers}
    for criterion_id in changes:
        if criterion_id not in known:
            raise InvalidInput(f"items.{criterion_id}: not a criterion of this scorecard")
    out = []
    for answer in answers:
        change = changes.get(answer.criterion.id)
        if change is None:
            out.append(answer)
            continue
        out.append(
            CriterionAnswer(
                answer.criterion,
                answer.section,
                answer.auto_result,
                _normal_result(answer, change.result),
                _normal_comment(
                    change.comment, f"items.{answer.criterion.id}.comment", COMMENT_LIMIT
                ),
            )
        )
    return out


def _require_complete(answers: Sequence[CriterionAnswer]) -> None:
    missing = [a.criterion.id for a in answers if a.required and a.result is None]
    if missing:
        raise InvalidInput(
            f"items.{missing[0]}.result: answer every criterion before submitting "
            f"(unanswered: {', '.join(missing)})"
        )


def _results(answers: Sequence[CriterionAnswer]) -> dict[str, Value]:
    results: dict[str, Value] = {}
    for answer in answers:
        if answer.result is None:
            continue
        is_mark = answer.criterion.scale == "1-5" and answer.result != "na"
        results[answer.criterion.id] = int(answer.result) if is_mark else answer.result
    return results


def _stored_items(scorecard: Scorecard, answers: Sequence[CriterionAnswer]) -> list[dict[str, Any]]:
    fractions = {
        outcome.criterion.id: outcome.fraction
        for outcome in compute_score(scorecard, _results(answers)).outcomes
    }
    return [
        {
            "criterion": a.criterion.id,
            "check": a.criterion.check,
            "result": a.result,
            "fraction": fractions.get(a.criterion.id),
            "critical": a.criterion.critical,
            "comment": a.comment,
            "auto_result": a.auto_result,
        }
        for a in answers
    ]


def _changes(before: Sequence[CriterionAnswer], after: Sequence[CriterionAnswer]) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    for old, new in zip(before, after, strict=True):
        if old.result != new.result:
            changed[new.criterion.id] = {"from": old.result, "to": new.result}
        if old.comment != new.comment:
            changed.setdefault(new.criterion.id, {})["comment"] = True
    return changed


# --- review items (the seam with review/routing/queues.py) -------------------------------


def _complete_item(connection: Connection, item_id: int, evaluation_id: int, actor_id: int) -> None:
    """Mark a queue item done with the evaluation that scored it (routing keeps the rules).

    An item done meanwhile with another evaluation stays as it is: the evaluation
    stands on its own.
    """
    status = connection.execute(
        select(review_items.c.status).where(review_items.c.id == item_id)
    ).scalar()
    if status is not None and status != "done":
        complete_item(connection, item_id, evaluation_id, actor_id)


# --- saving -----------------------------------------------------------------------------


def create_evaluation(
    connection: Connection,
    viewer: Viewer,
    interaction_id: int,
    *,
    answers: Mapping[str, AnswerInput] | None = None,
    comment: str | None = None,
    submit: bool = False,
    item_id: int | None = None,
) -> ManualEvaluation:
    """Start the viewer's manual evaluation of an interaction, as a draft or submitted.

    Criteria not in ``answers`` keep the pre-filled answer (the machine's, or empty).
    """
    form = review_form(connection, viewer, interaction_id, item_id=item_id)
    if form.evaluation is not None:
        raise Conflict(
            f"you already evaluated interaction {interaction_id} (evaluation "
            f"{form.evaluation.id}, {form.evaluation.status}); change that one instead"
        )
    if form.item is not None and form.item.status != "open":
        raise Conflict(f"review item {form.item.id} is already {form.item.status}")
    new = _apply(form.answers, answers or {})
    overall = _normal_comment(comment, "comment", OVERALL_COMMENT_LIMIT)
    if submit:
        _require_complete(new)
    score = compute_score(form.scorecard.scorecard, _results(new))
    now = utcnow()
    key = connection.execute(
        evaluations.insert().values(
            workspace_id=viewer.workspace.id,
            interaction_id=interaction_id,
            scorecard_id=form.scorecard.id,
            kind=MANUAL,
            status=SUBMITTED if submit else DRAFT,
            score=score.score if submit else None,
            passed=score.passed if submit else None,
            items=_stored_items(form.scorecard.scorecard, new),
            created_at=now,
            reviewer_id=viewer.account.id,
            comment=overall,
            auto_evaluation_id=form.auto.id if form.auto else None,
            review_item_id=form.item.id if form.item else None,
            version=1,
            updated_at=now,
        )
    ).inserted_primary_key
    assert key is not None
    evaluation_id = int(key[0])
    record_event(
        connection,
        viewer.workspace.id,
        "evaluation",
        evaluation_id,
        viewer.account.id,
        SUBMITTED if submit else "draft_saved",
        {
            "score": score.score if submit else None,
            "overturned": [a.criterion.id for a in new if a.overturned],
            "item_id": form.item.id if form.item else None,
        },
    )
    if submit and form.item is not None:
        _complete_item(connection, form.item.id, evaluation_id, viewer.account.id)
    return get_evaluation(connection, viewer, evaluation_id)


def save_evaluation(
    connection: Connection,
    viewer: Viewer,
    evaluation_id: int,
    *,
    version: int,
    answers: Mapping[str, AnswerInput] | None = None,
    comment: str | None = None,
    submit: bool = False,
) -> ManualEvaluation:
    """Save a draft, submit it, or change a submitted evaluation.

    ``version`` is the version the caller edited: if the evaluation has changed
    since, nothing is saved and ``Conflict`` says who changed it and when. A
    submitted evaluation stays submitted (its reviewer or a QA lead may change it)
    and must stay complete.
    """
    current = get_evaluation(connection, viewer, evaluation_id)
    form = review_form(connection, viewer, current.interaction_id, evaluation_id=evaluation_id)
    new = _apply(form.answers, answers or {})
    overall = _normal_comment(comment, "comment", OVERALL_COMMENT_LIMIT)
    submitted = submit or current.status == SUBMITTED
    if submitted:
        _require_complete(new)
    score = compute_score(form.scorecard.scorecard, _results(new))
    item_id = current.review_item_id
    if item_id is None and form.item is not None and current.reviewer_id == viewer.account.id:
        # A draft begun ad hoc whose interaction has since reached the reviewer's queue.
        item_id = form.item.id
    updated = connection.execute(
        update(evaluations)
        .where(evaluations.c.id == evaluation_id, evaluations.c.version == version)
        .values(
            status=SUBMITTED if submitted else DRAFT,
            score=score.score if submitted else None,
            passed=score.passed if submitted else None,
            items=_stored_items(form.scorecard.scorecard, new),
            comment=overall,
            auto_evaluation_id=current.auto_evaluation_id or (form.auto.id if form.auto else None),
            review_item_id=item_id,
            version=evaluations.c.version + 1,
            updated_at=utcnow(),
        )
    ).rowcount
    if not updated:
        raise stale_conflict(connection, viewer.workspace.id, "evaluation", evaluation_id)
    changes = _changes(form.answers, new)
    if current.status == DRAFT:
        action = SUBMITTED if submitted else "draft_saved"
    else:
        action = "changed"
    if action != "changed" or changes or overall != current.comment:
        record_event(
            connection,
            viewer.workspace.id,
            "evaluation",
            evaluation_id,
            viewer.account.id,
            action,
            {
                "changes": changes,
                "comment_changed": overall != current.comment,
                "score": {"from": current.score, "to": score.score if submitted else None},
                "version": version + 1,
            },
        )
    if action == SUBMITTED and item_id is not None:
        _complete_item(connection, item_id, evaluation_id, viewer.account.id)
    return get_evaluation(connection, viewer, evaluation_id)


def can_review(viewer: Viewer) -> bool:
    """Whether the reviewer workspace is in the viewer's navigation."""
    return allowed(viewer, Action.REVIEW)
