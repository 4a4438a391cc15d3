"""What QA found about one agent: per evaluation, each criterion's fraction; and the
interview ratings of the candidate the agent was hired as.

The same choice as the KPIs and the coaching view (feedback/coaching.py): per
interaction the newest submitted manual evaluation, else the newest automatic
one. Read for one agent at a time, so the set of rows stays bounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from kontrol.checks.stored_results import AUTO
from kontrol.review.evaluations import MANUAL, SUBMITTED
from kontrol.store.tables import (
    evaluations,
    interactions,
    staff_candidates,
    staff_interview_questions,
    staff_interview_scores,
    staff_interviewers,
)

# Below half a criterion counts as failed (the coaching view's rule).
FAILED_BELOW = 0.5


@dataclass(frozen=True, slots=True)
class CriterionMark:
    """One criterion in one counted evaluation: when the interaction started, the fraction."""

    at: datetime
    criterion: str
    fraction: float


def agent_marks(
    connection: Connection, workspace_id: int, agent: str, *, since: datetime | None = None
) -> list[CriterionMark]:
    """Every criterion fraction of the agent's counted evaluations, oldest first."""
    query = (
        select(
            evaluations.c.id,
            evaluations.c.interaction_id,
            evaluations.c.kind,
            evaluations.c["items"],
            interactions.c.started_at,
        )
        .join(interactions, interactions.c.id == evaluations.c.interaction_id)
        .where(
            interactions.c.workspace_id == workspace_id,
            interactions.c.agent_external_id == agent,
            evaluations.c.status == SUBMITTED,
            evaluations.c.kind.in_((MANUAL, AUTO)),
        )
    )
    if since is not None:
        query = query.where(interactions.c.started_at >= since)
    chosen: dict[int, tuple[bool, int, datetime, list[dict[str, object]]]] = {}
    for row in connection.execute(query):
        rank = (row.kind == MANUAL, int(row.id))
        best = chosen.get(row.interaction_id)
        if best is None or rank > best[:2]:
            chosen[row.interaction_id] = (*rank, row.started_at, list(row.items or []))
    marks: list[CriterionMark] = []
    for _manual, _id, at, items in sorted(chosen.values(), key=lambda c: (c[2], c[1])):
        for item in items:
            fraction = item.get("fraction")
            if isinstance(fraction, int | float):
                marks.append(CriterionMark(at, str(item.get("criterion")), float(fraction)))
    return marks


def interview_marks(
    connection: Connection, workspace_id: int, agent: str
) -> dict[int, list[tuple[datetime, float]]]:
    """Per competency id, the interview ratings of the candidate hired as ``agent``:
    (when handed in, the rating as a fraction: 1 is 0, 3 is 0.5, 5 is 1)."""
    rows = connection.execute(
        select(
            staff_interview_questions.c.competency_id,
            staff_interview_scores.c.rating,
            staff_interviewers.c.submitted_at,
        )
        .join(
            staff_interview_questions,
            staff_interview_questions.c.id == staff_interview_scores.c.question_id,
        )
        .join(
            staff_interviewers, staff_interviewers.c.id == staff_interview_scores.c.interviewer_id
        )
        .join(staff_candidates, staff_candidates.c.id == staff_interviewers.c.candidate_id)
        .where(
            staff_candidates.c.workspace_id == workspace_id,
            staff_candidates.c.agent_external_id == agent,
            staff_interview_questions.c.competency_id.is_not(None),
            staff_interviewers.c.submitted_at.is_not(None),
        )
    )
    marks: dict[int, list[tuple[datetime, float]]] = {}
    for row in rows:
        fraction = (int(row.rating) - 1) / 4
        marks.setdefault(int(row.competency_id), []).append((row.submitted_at, fraction))
    return marks


@dataclass(frozen=True, slots=True)
class EvidenceTally:
    """A mean fraction and the number of evaluations behind it."""

    n: int
    mean: float | None

    def as_json(self) -> dict[str, object]:
        return {"n": self.n, "mean": self.mean}


def tally(fractions: list[float]) -> EvidenceTally:
    """The mean of ``fractions`` (None when empty), rounded to 4 places."""
    if not fractions:
        return EvidenceTally(0, None)
    return EvidenceTally(len(fractions), round(sum(fractions) / len(fractions), 4))
