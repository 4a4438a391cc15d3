"""One evaluation in full, as the feedback page shows it to the agent, their lead and QA.

Its criteria with the answers, comments and the checks' evidence, its disputes,
its history, the other current evaluations of the same interaction, and what the
viewer may do with it now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Connection,
    select,
)

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, allowed
from kontrol.checks.quality import Segment, highlight
from kontrol.checks.scorecards import scorecard_by_id
from kontrol.checks.stored_results import stored_outcomes
from kontrol.domain.errors import Forbidden
from kontrol.domain.scorecard import Criterion
from kontrol.feedback.agent_view import (
    EvaluationSummary,
    find_evaluation,
    related_evaluations,
)
from kontrol.feedback.disputes import DisputeView, dispute_refusal, disputes_of
from kontrol.feedback.history import HistoryEntry, subject_events
from kontrol.store.tables import (
    evaluations,
)


@dataclass(frozen=True, slots=True)
class CriterionDetail:
    """One criterion of an evaluation: the answer, the comment, the evidence, its disputes."""

    criterion: Criterion
    section: str
    result: str | None
    fraction: float | None
    comment: str | None
    auto_result: str | None
    evidence: list[dict[str, Any]]
    disputes: list[DisputeView]
    # The checks' own verdict on the criterion's check (none without a check).
    check_result: str | None = None

    @property
    def open_dispute(self) -> DisputeView | None:
        return next((d for d in self.disputes if d.open), None)

    def as_json(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion.id,
            "title": self.criterion.title,
            "section": self.section,
            "check": self.criterion.check,
            "weight": self.criterion.weight,
            "critical": self.criterion.critical,
            "scale": self.criterion.scale,
            "result": self.result,
            "fraction": self.fraction,
            "comment": self.comment,
            "auto_result": self.auto_result,
            "evidence": self.evidence,
            "disputes": [d.id for d in self.disputes],
        }


@dataclass(slots=True)
class EvaluationDetail:
    """An evaluation with everything the feedback page shows and what the viewer may do."""

    summary: EvaluationSummary
    scorecard_title: str
    comment: str | None
    answers: list[CriterionDetail]
    whole_disputes: list[DisputeView]
    history: list[HistoryEntry]
    related: list[EvaluationSummary] = field(default_factory=list)
    can_acknowledge: bool = False
    can_dispute: bool = False
    dispute_refusal: Forbidden | None = None
    can_resolve: bool = False

    @property
    def sections(self) -> list[tuple[str, list[CriterionDetail]]]:
        grouped: list[tuple[str, list[CriterionDetail]]] = []
        for answer in self.answers:
            if not grouped or grouped[-1][0] != answer.section:
                grouped.append((answer.section, []))
            grouped[-1][1].append(answer)
        return grouped

    @property
    def titles(self) -> dict[str, str]:
        """Criterion titles by id, for the disputes and the history."""
        return {answer.criterion.id: answer.criterion.title for answer in self.answers}

    def transcript_marks(self, texts: list[str]) -> list[list[Segment]]:
        """The conversation's ``texts`` split into plain and marked segments: each
        criterion's evidence, marked with this evaluation's answer to it (a reviewer
        who failed a criterion the checks passed shows its evidence as failed)."""
        spans: list[list[tuple[str, str, str]]] = [[] for _ in texts]
        for answer in self.answers:
            check = answer.criterion.check
            if not check:
                continue
            if answer.result in ("pass", "fail", "na"):
                result = str(answer.result)
            else:
                result = answer.check_result or "na"
            for found in answer.evidence:
                index = found.get("message")
                text = found.get("text")
                if isinstance(index, int) and 0 <= index < len(texts) and text:
                    spans[index].append((str(text), check, result))
        return [highlight(text, found) for text, found in zip(texts, spans, strict=True)]

    @property
    def open_whole_dispute(self) -> DisputeView | None:
        return next((d for d in self.whole_disputes if d.open), None)

    def as_json(self) -> dict[str, Any]:
        return {
            **self.summary.as_json(),
            "scorecard_title": self.scorecard_title,
            "comment": self.comment,
            "criteria": [a.as_json() for a in self.answers],
            "disputes": [
                d.as_json()
                for d in self.whole_disputes + [d for a in self.answers for d in a.disputes]
            ],
            "history": [h.as_json() for h in self.history],
            "related": [r.as_json() for r in self.related],
            "can_acknowledge": self.can_acknowledge,
            "can_dispute": self.can_dispute,
            "dispute_refusal": None if self.dispute_refusal is None else str(self.dispute_refusal),
        }


def _evidence(outcomes: dict[str, Any], criterion: Criterion) -> list[dict[str, Any]]:
    if not criterion.check:
        return []
    found = outcomes.get("checks", {}).get(criterion.check, {})
    return list(found.get("evidence", []))


def _check_result(outcomes: dict[str, Any], criterion: Criterion) -> str | None:
    if not criterion.check:
        return None
    result = outcomes.get("checks", {}).get(criterion.check, {}).get("result")
    return str(result) if result else None


def evaluation_detail(
    connection: Connection, viewer: Viewer, evaluation_id: int
) -> EvaluationDetail:
    """One evaluation with its criteria, answers, comments, evidence, disputes and history."""
    summary = find_evaluation(connection, viewer, evaluation_id)
    row = connection.execute(select(evaluations).where(evaluations.c.id == evaluation_id)).one()
    card = scorecard_by_id(connection, summary.scorecard_id)
    stored = {item.get("criterion"): item for item in row.items or []}
    outcomes = stored_outcomes(connection, [summary.interaction_id])[summary.interaction_id]
    all_disputes = disputes_of(connection, evaluation_id)
    answers = []
    for section in card.scorecard.sections:
        for criterion in section.criteria:
            item = stored.get(criterion.id, {})
            answers.append(
                CriterionDetail(
                    criterion=criterion,
                    section=section.title,
                    result=item.get("result"),
                    fraction=item.get("fraction"),
                    comment=item.get("comment"),
                    auto_result=item.get("auto_result"),
                    evidence=_evidence(outcomes, criterion),
                    disputes=[d for d in all_disputes if d.criterion == criterion.id],
                    check_result=_check_result(outcomes, criterion),
                )
            )
    events = subject_events(
        connection,
        viewer.workspace.id,
        [("evaluation", [evaluation_id]), ("dispute", [d.id for d in all_disputes])],
    )
    related = related_evaluations(connection, viewer, row)
    refusal = dispute_refusal(viewer, summary)
    return EvaluationDetail(
        summary=summary,
        scorecard_title=card.scorecard.title,
        comment=row.comment,
        answers=answers,
        whole_disputes=[d for d in all_disputes if d.criterion is None],
        history=events,
        related=related,
        can_acknowledge=allowed(viewer, Action.ACKNOWLEDGE) and summary.acknowledged_at is None,
        can_dispute=refusal is None,
        dispute_refusal=refusal,
        can_resolve=allowed(viewer, Action.RESOLVE_DISPUTES),
    )
