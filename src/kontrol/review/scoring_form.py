"""The review form: the scorecard to fill for one interaction, pre-filled from the machine.

Every criterion bound to a check starts with the machine's answer, which the
reviewer keeps or overturns; criteria only a person can answer start empty. An
evaluation the reviewer has begun opens with their saved answers instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, require, visible_interaction
from kontrol.checks.scorecards import StoredScorecard, active_scorecards, scorecard_version
from kontrol.checks.stored_results import StoredEvaluation, evaluations_of
from kontrol.domain.errors import Forbidden, InvalidInput, NotFound
from kontrol.domain.scorecard import Criterion, Scorecard, Value, compute_score
from kontrol.review.assigned_items import AssignedItem, get_assigned_item, my_open_item
from kontrol.review.evaluations import (
    ManualEvaluation,
    evaluation_history,
    get_evaluation,
    own_evaluation,
)

PASS_FAIL_ANSWERS = ("pass", "fail", "na")
MARK_ANSWERS = ("1", "2", "3", "4", "5", "na")


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
        return compute_score(self.scorecard.scorecard, answer_values(self.answers)).score

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


class Unscorable(InvalidInput):
    """No scorecard can score this interaction: none of its automatic evaluations, and
    no active scorecard applies to its channel and language (routing/scorable.py)."""

    def __init__(self, channel: str, language: str | None) -> None:
        self.channel = channel
        self.language = language or None
        if language:
            super().__init__(
                f"scorecard: no active scorecard applies to channel {channel!r}"
                f" and language {language!r}",
                key="review.error.no_scorecard_for_language",
                params={"channel": channel, "language": language},
                where_key="error.where.field",
                where_params={"field": "scorecard"},
            )
        else:
            super().__init__(
                f"scorecard: no active scorecard applies to channel {channel!r}",
                key="review.error.no_scorecard_for",
                params={"channel": channel},
                where_key="error.where.field",
                where_params={"field": "scorecard"},
            )


def _refuse_own(viewer: Viewer, interaction: Any) -> None:
    mine = viewer.membership.agent_external_id
    if mine and interaction.agent_external_id == mine:
        raise Forbidden(
            "you cannot review your own interaction", key="review.error.own_interaction"
        )


def answer_values(answers: Sequence[CriterionAnswer]) -> dict[str, Value]:
    """The answers as the scorecard counts them: marks as numbers, unanswered left out."""
    results: dict[str, Value] = {}
    for answer in answers:
        if answer.result is None:
            continue
        is_mark = answer.criterion.scale == "1-5" and answer.result != "na"
        results[answer.criterion.id] = int(answer.result) if is_mark else answer.result
    return results


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
    raise Unscorable(str(interaction.channel), interaction.language)


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
        raise NotFound(
            f"no review item {item_id} for interaction {interaction_id}",
            key="review.error.no_item_for",
            params={"item_id": item_id, "interaction_id": interaction_id},
        )
    if item is None:
        item = my_open_item(connection, viewer, interaction_id)
    evaluation = None
    if evaluation_id is not None:
        evaluation = get_evaluation(connection, viewer, evaluation_id)
    elif item is not None and item.evaluation_id is not None:
        try:
            evaluation = get_evaluation(connection, viewer, item.evaluation_id)
        except NotFound:
            evaluation = None
    if evaluation is None and evaluation_id is None:
        evaluation = own_evaluation(connection, viewer, interaction_id)
    if evaluation is not None and evaluation.interaction_id != interaction_id:
        raise NotFound(
            f"no manual evaluation {evaluation.id} of interaction {interaction_id}",
            key="review.error.no_manual_evaluation_of",
            params={"id": evaluation.id, "interaction_id": interaction_id},
        )
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
