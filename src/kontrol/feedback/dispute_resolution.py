"""Resolving a dispute: the lead upholds the evaluation or changes the disputed answers.

``changed`` rescores a manual evaluation in place (version + 1); for an automatic
one, a manual evaluation by the lead is created beside it with the changed
answers, and the KPIs count that one from then on. The answers and scores before
and after go into the review history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    exists,
    select,
    update,
)

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, require
from kontrol.checks.scorecards import scorecard_by_id
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import Conflict, InvalidInput, NotFound
from kontrol.domain.scorecard import Criterion, Scorecard, Value, compute_score
from kontrol.feedback.agent_view import lock_evaluation
from kontrol.feedback.disputes import (
    CHANGED,
    OUTCOMES,
    DisputeView,
    dispute_text,
    get_dispute,
    require_open,
    set_dispute_state,
)
from kontrol.feedback.history import last_actor, stale
from kontrol.metrics.facts import refresh_qa_facts
from kontrol.review.evaluations import MANUAL, SUBMITTED
from kontrol.review.history import record_event
from kontrol.store.tables import (
    evaluations,
)


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a lead decided, and which evaluation now holds the changed answers."""

    dispute: DisputeView
    evaluation_id: int
    created_evaluation_id: int | None
    score_before: float | None
    score_after: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "dispute": self.dispute.as_json(),
            "evaluation_id": self.evaluation_id,
            "created_evaluation_id": self.created_evaluation_id,
            "score_before": self.score_before,
            "score_after": self.score_after,
        }


def answer_value(criterion: Criterion, answer: object, name: str) -> Value:
    """A new answer for ``criterion`` as ``compute_score`` takes it; ``InvalidInput`` otherwise."""
    text = str(answer if answer is not None else "").strip().lower()
    if text == "na":
        return "na"
    if criterion.scale == "1-5":
        if text in ("1", "2", "3", "4", "5"):
            return int(text)
        raise InvalidInput(
            f"{name}: a mark 1-5 or na for {criterion.id!r}",
            key="feedback.error.mark",
            params={"id": criterion.id},
            where_key="error.where.field",
            where_params={"field": name},
        )
    if text in ("pass", "fail"):
        return text
    raise InvalidInput(
        f"{name}: pass, fail or na for {criterion.id!r}",
        key="feedback.error.pass_fail",
        params={"id": criterion.id},
        where_key="error.where.field",
        where_params={"field": name},
    )


def _results(scorecard: Scorecard, items: list[dict[str, Any]]) -> dict[str, Value]:
    out: dict[str, Value] = {}
    known = {c.id: c for c in scorecard.criteria}
    for item in items:
        result = item.get("result")
        criterion = known.get(str(item.get("criterion")))
        if criterion is None or result is None:
            continue
        out[criterion.id] = int(result) if str(result).isdigit() else str(result)
    return out


def _rescored_items(
    scorecard: Scorecard, items: list[dict[str, Any]], results: Mapping[str, Value]
) -> tuple[list[dict[str, Any]], float | None, bool | None]:
    """Manual-evaluation items with ``results`` applied, and the new score (``compute_score``).

    Comments stay; ``auto_result`` keeps the machine's answer (taken from the
    items themselves when they are an automatic evaluation's).
    """
    score = compute_score(scorecard, results)
    previous = {item.get("criterion"): item for item in items}
    new_items = []
    for outcome in score.outcomes:
        old = previous.get(outcome.criterion.id, {})
        item = {
            "criterion": outcome.criterion.id,
            "check": outcome.criterion.check,
            "result": None if outcome.result is None else str(outcome.result),
            "fraction": outcome.fraction,
            "critical": outcome.criterion.critical,
        }
        item["comment"] = old.get("comment")
        item["auto_result"] = old.get("auto_result") if "auto_result" in old else old.get("result")
        new_items.append(item)
    return new_items, score.score, score.passed


def resolve_dispute(
    connection: Connection,
    viewer: Viewer,
    dispute_id: int,
    *,
    version: int,
    outcome: str,
    comment: str,
    answers: Mapping[str, object] | None = None,
    evaluation_version: int | None = None,
) -> Resolution:
    """Decide an open dispute: ``upheld`` or ``changed`` (with the new ``answers`` by criterion).

    ``version`` is the dispute's version the lead saw; for ``changed`` on a
    manual evaluation, ``evaluation_version`` is the evaluation's. A stale one
    of either is refused with ``Conflict`` and nothing is saved.
    """
    require(viewer, Action.RESOLVE_DISPUTES)
    dispute = get_dispute(connection, viewer, dispute_id)
    require_open(dispute)
    if outcome not in OUTCOMES:
        raise InvalidInput(
            f"outcome: {' or '.join(OUTCOMES)}",
            key="feedback.error.one_of",
            params={"choices": ", ".join(OUTCOMES)},
            where_key="error.where.field",
            where_params={"field": "outcome"},
        )
    text = dispute_text(comment, "comment")
    assert text is not None
    row = lock_evaluation(connection, dispute.evaluation_id)
    if row is None:
        raise NotFound(
            f"no evaluation {dispute.evaluation_id}",
            key="feedback.error.no_evaluation",
            params={"evaluation_id": dispute.evaluation_id},
        )
    # The dispute first: of two leads resolving at once, the second hears about the dispute.
    set_dispute_state(
        connection, dispute, version, status=outcome, resolved_by=viewer.account.id, resolution=text
    )
    change = Change(int(row.id), None, row.score, {}, {})
    if outcome == CHANGED:
        change = _change_answers(
            connection, viewer, dispute, row, answers or {}, evaluation_version, text
        )
    record_event(
        connection,
        workspace_id=viewer.workspace.id,
        subject="dispute",
        subject_id=dispute.id,
        actor_id=viewer.account.id,
        action="resolved",
        details={
            "outcome": outcome,
            "comment": text,
            "evaluation_id": dispute.evaluation_id,
            "criterion": dispute.criterion,
            "changed_evaluation_id": change.evaluation_id if outcome == CHANGED else None,
            "created_evaluation_id": change.created_evaluation_id,
            "answers_before": change.answers_before,
            "answers_after": change.answers_after,
            "score_before": row.score,
            "score_after": change.score,
        },
    )
    return Resolution(
        get_dispute(connection, viewer, dispute_id),
        change.evaluation_id,
        change.created_evaluation_id,
        row.score,
        change.score,
    )


@dataclass(frozen=True, slots=True)
class Change:
    """Where a dispute's changed answers went, and the score they give."""

    evaluation_id: int
    created_evaluation_id: int | None
    score: float | None
    answers_before: dict[str, str | None]
    answers_after: dict[str, str | None]


def _new_answers(
    scorecard: Scorecard, dispute: DisputeView, row: Any, answers: Mapping[str, object]
) -> tuple[dict[str, Value], dict[str, str | None], dict[str, str | None]]:
    """All answers with the lead's applied, and the changed ones before and after."""
    criteria = {c.id: c for c in scorecard.criteria}
    given = {str(k): v for k, v in answers.items() if str(v if v is not None else "").strip()}
    if not given:
        raise InvalidInput(
            "answers: give the new answer of the disputed criterion",
            key="feedback.error.new_answer",
            where_key="error.where.field",
            where_params={"field": "answers"},
        )
    if dispute.criterion is not None and set(given) != {dispute.criterion}:
        raise InvalidInput(
            f"answers: only the disputed criterion {dispute.criterion!r} may be changed",
            key="feedback.error.only_disputed",
            params={"criterion": dispute.criterion},
            where_key="error.where.field",
            where_params={"field": "answers"},
        )
    before = _results(scorecard, list(row.items or []))
    after = dict(before)
    for criterion_id, answer in given.items():
        criterion = criteria.get(criterion_id)
        if criterion is None:
            raise InvalidInput(
                f"answers.{criterion_id}: not a criterion of this scorecard",
                key="feedback.error.not_criterion",
                where_key="error.where.field",
                where_params={"field": f"answers.{criterion_id}"},
            )
        after[criterion_id] = answer_value(criterion, answer, f"answers.{criterion_id}")
    changed = sorted(c for c in given if before.get(c) != after.get(c))
    if not changed:
        raise InvalidInput(
            "answers: these are the answers already given; resolve as upheld",
            key="feedback.error.same_answers",
            where_key="error.where.field",
            where_params={"field": "answers"},
        )
    answers_before = {c: None if before.get(c) is None else str(before[c]) for c in changed}
    answers_after = {c: None if after.get(c) is None else str(after[c]) for c in changed}
    return after, answers_before, answers_after


def _rescore_manual(
    connection: Connection,
    row: Any,
    evaluation_version: int | None,
    rescored: tuple[list[dict[str, Any]], float | None, bool | None],
    now: datetime,
) -> None:
    """Write the changed answers into the manual evaluation itself (version + 1)."""
    if evaluation_version is None:
        raise InvalidInput(
            "evaluation_version: the evaluation's version you saw is required",
            key="feedback.error.evaluation_version",
            where_key="error.where.field",
            where_params={"field": "evaluation_version"},
        )
    items, score, passed = rescored
    done = connection.execute(
        update(evaluations)
        .where(evaluations.c.id == row.id, evaluations.c.version == evaluation_version)
        .values(
            items=items,
            score=score,
            passed=passed,
            version=evaluations.c.version + 1,
            updated_at=now,
        )
    ).rowcount
    if not done:
        raise stale("evaluation", int(row.id), *last_actor(connection, "evaluation", int(row.id)))


def _manual_beside_auto(
    connection: Connection,
    viewer: Viewer,
    row: Any,
    rescored: tuple[list[dict[str, Any]], float | None, bool | None],
    comment: str,
    now: datetime,
) -> int:
    """A manual evaluation by the lead beside the automatic one, with the changed answers."""
    manual_exists = connection.execute(
        select(
            exists().where(
                evaluations.c.interaction_id == row.interaction_id,
                evaluations.c.kind == MANUAL,
                evaluations.c.status == SUBMITTED,
            )
        )
    ).scalar()
    if manual_exists:
        raise Conflict(
            "a reviewer has scored this interaction since the dispute was raised; "
            "resolve this dispute as upheld and change the manual evaluation instead",
            key="feedback.error.rescored",
        )
    items, score, passed = rescored
    new_id = connection.execute(
        evaluations.insert().values(
            workspace_id=row.workspace_id,
            interaction_id=row.interaction_id,
            scorecard_id=row.scorecard_id,
            kind=MANUAL,
            score=score,
            passed=passed,
            items=items,
            created_at=now,
            status=SUBMITTED,
            reviewer_id=viewer.account.id,
            comment=comment,
            auto_evaluation_id=row.id,
            version=1,
            updated_at=now,
        )
    ).inserted_primary_key
    assert new_id is not None
    return int(new_id[0])


def _change_answers(
    connection: Connection,
    viewer: Viewer,
    dispute: DisputeView,
    row: Any,
    answers: Mapping[str, object],
    evaluation_version: int | None,
    comment: str,
) -> Change:
    """Apply the lead's answers: to the manual evaluation, or a new one beside an auto one."""
    scorecard = scorecard_by_id(connection, int(row.scorecard_id)).scorecard
    after, answers_before, answers_after = _new_answers(scorecard, dispute, row, answers)
    rescored = _rescored_items(scorecard, list(row.items or []), after)
    score = rescored[1]
    now = utcnow()
    details = {
        "dispute_id": dispute.id,
        "answers_before": answers_before,
        "answers_after": answers_after,
        "score_before": row.score,
        "score_after": score,
    }
    if row.kind == MANUAL:
        _rescore_manual(connection, row, evaluation_version, rescored, now)
        target_id, created_id, action = int(row.id), None, "changed"
        details["version"] = int(row.version) + 1
    else:
        target_id = created_id = _manual_beside_auto(
            connection, viewer, row, rescored, comment, now
        )
        action = SUBMITTED
        details["auto_evaluation_id"] = int(row.id)
    refresh_qa_facts(connection, viewer.workspace.id, [int(row.interaction_id)])
    record_event(
        connection,
        workspace_id=viewer.workspace.id,
        subject="evaluation",
        subject_id=target_id,
        actor_id=viewer.account.id,
        action=action,
        details=details,
        at=now,
    )
    return Change(target_id, created_id, score, answers_before, answers_after)
