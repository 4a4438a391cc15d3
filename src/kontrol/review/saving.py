"""Saving a manual evaluation: a draft, a submission, a change to a submitted one.

Every save names the ``version`` it edited; a save over a newer version is
refused with ``Conflict``. Every change is written to ``review_events`` and a
submission marks its queue item done.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, update

from kontrol.accounts.access import Viewer
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, InvalidInput
from kontrol.domain.scorecard import Scorecard, compute_score
from kontrol.metrics.facts import refresh_qa_facts
from kontrol.review.assigned_items import complete_assigned_item
from kontrol.review.evaluations import DRAFT, MANUAL, SUBMITTED, ManualEvaluation, get_evaluation
from kontrol.review.history import record_event, stale_conflict
from kontrol.review.scoring_form import CriterionAnswer, answer_values, review_form
from kontrol.store.tables import (
    evaluations,
)

COMMENT_LIMIT = 4000
OVERALL_COMMENT_LIMIT = 10000


@dataclass(frozen=True, slots=True)
class AnswerInput:
    """What a reviewer sent for one criterion; it replaces the criterion's answer whole."""

    result: str | int | None = None
    comment: str | None = None


def _normal_result(answer: CriterionAnswer, value: str | int | None) -> str | None:
    where = f"items.{answer.criterion.id}.result"
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise InvalidInput(
            f"{where}: expected one of {', '.join(answer.choices)}",
            key="review.error.one_of",
            params={"join": ", ".join(answer.choices)},
            where_key="error.where.field",
            where_params={"field": where},
        )
    text = str(value).strip().lower()
    if text not in answer.choices:
        raise InvalidInput(
            f"{where}: {text[:20]!r} is not one of {', '.join(answer.choices)}",
            key="review.error.not_one_of",
            params={"text": text[:20], "join": ", ".join(answer.choices)},
            where_key="error.where.field",
            where_params={"field": where},
        )
    return text


def _normal_comment(value: str | None, where: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(
            f"{where}: expected text",
            key="review.error.expected_text",
            where_key="error.where.field",
            where_params={"field": where},
        )
    text = value.replace("\r\n", "\n").strip()
    if len(text) > limit:
        raise InvalidInput(
            f"{where}: at most {limit} characters",
            key="review.error.at_most",
            params={"limit": limit},
            where_key="error.where.field",
            where_params={"field": where},
        )
    return text or None


def _apply(
    answers: list[CriterionAnswer], changes: Mapping[str, AnswerInput]
) -> list[CriterionAnswer]:
    known = {a.criterion.id for a in answers}
    for criterion_id in changes:
        if criterion_id not in known:
            raise InvalidInput(
                f"items.{criterion_id}: not a criterion of this scorecard",
                key="review.error.not_criterion",
                params={"criterion_id": criterion_id},
            )
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
            f"(unanswered: {', '.join(missing)})",
            key="review.error.unanswered",
            params={
                "criteria": "; ".join(
                    f"«{a.criterion.title}»" for a in answers if a.required and a.result is None
                )
            },
        )


def _stored_items(scorecard: Scorecard, answers: Sequence[CriterionAnswer]) -> list[dict[str, Any]]:
    fractions = {
        outcome.criterion.id: outcome.fraction
        for outcome in compute_score(scorecard, answer_values(answers)).outcomes
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
            f"{form.evaluation.id}, {form.evaluation.status}); change that one instead",
            key="review.error.already_evaluated",
            params={
                "interaction_id": interaction_id,
                "id": form.evaluation.id,
                "status": form.evaluation.status,
            },
        )
    if form.item is not None and form.item.status != "open":
        raise Conflict(
            f"review item {form.item.id} is already {form.item.status}",
            key="review.error.item_already",
            params={"id": form.item.id, "status": form.item.status},
        )
    new = _apply(form.answers, answers or {})
    overall = _normal_comment(comment, "comment", OVERALL_COMMENT_LIMIT)
    if submit:
        _require_complete(new)
    score = compute_score(form.scorecard.scorecard, answer_values(new))
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
        complete_assigned_item(connection, form.item.id, evaluation_id, viewer.account.id)
    if submit:
        refresh_qa_facts(connection, viewer.workspace.id, [interaction_id])
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
    score = compute_score(form.scorecard.scorecard, answer_values(new))
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
    if submitted:
        refresh_qa_facts(connection, viewer.workspace.id, [current.interaction_id])
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
        complete_assigned_item(connection, item_id, evaluation_id, viewer.account.id)
    return get_evaluation(connection, viewer, evaluation_id)
