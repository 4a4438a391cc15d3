"""What the interaction page shows about quality: verdicts, evidence, signals, scores."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from kontrol.checks.stored_results import StoredEvaluation, evaluations_of, stored_outcomes
from kontrol.domain.scorecard import Criterion
from kontrol.store.tables import check_outcomes


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of a message's text; ``marks`` are the checks whose evidence it is."""

    text: str
    marks: tuple[str, ...] = ()
    result: str | None = None


@dataclass(frozen=True, slots=True)
class CriterionView:
    """One criterion of an evaluation as shown: its verdict and evidence."""

    criterion: Criterion
    result: str | None
    fraction: float | None
    evidence: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class EvaluationView:
    """An automatic evaluation by sections."""

    evaluation: StoredEvaluation
    sections: list[tuple[str, list[CriterionView]]]


@dataclass(slots=True)
class Quality:
    """Everything about the checks of one interaction."""

    scored: bool
    evaluations: list[EvaluationView] = field(default_factory=list)
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    signals: dict[str, Any] = field(default_factory=dict)
    segments: list[list[Segment]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "scored": self.scored,
            "checks": self.checks,
            "signals": self.signals,
            "evaluations": [
                {
                    "scorecard": view.evaluation.scorecard.name,
                    "version": view.evaluation.scorecard.version,
                    "score": view.evaluation.score,
                    "passed": view.evaluation.passed,
                    "created_at": view.evaluation.created_at.isoformat(),
                    "criteria": [
                        {
                            "id": c.criterion.id,
                            "section": section,
                            "check": c.criterion.check,
                            "weight": c.criterion.weight,
                            "critical": c.criterion.critical,
                            "bonus": c.criterion.bonus,
                            "result": c.result,
                        }
                        for section, items in view.sections
                        for c in items
                    ],
                }
                for view in self.evaluations
            ],
        }


def highlight(text: str, spans: list[tuple[str, str, str]]) -> list[Segment]:
    """Split ``text`` into plain and marked segments for the evidence ``(span, check, result)``.

    Spans are located by their first occurrence; overlapping spans merge their marks.
    The segments are plain strings: the template escapes them.
    """
    owners: list[set[str]] = [set() for _ in text]
    results: list[str | None] = [None] * len(text)
    for span, check_id, result in spans:
        if not span:
            continue
        start = text.find(span)
        if start < 0:
            continue
        for position in range(start, start + len(span)):
            owners[position].add(check_id)
            if results[position] != "fail":
                results[position] = result
    segments: list[Segment] = []
    current = 0
    for position in range(1, len(text) + 1):
        if position == len(text) or (
            owners[position] != owners[current] or results[position] != results[current]
        ):
            marks = tuple(sorted(owners[current]))
            segments.append(
                Segment(text[current:position], marks, results[current] if marks else None)
            )
            current = position
    return segments


def interaction_quality(connection: Connection, interaction_id: int, texts: list[str]) -> Quality:
    """Verdicts, evidence (as highlighted segments of ``texts``), signals and evaluations."""
    scored = (
        connection.execute(
            select(check_outcomes.c.interaction_id)
            .where(check_outcomes.c.interaction_id == interaction_id)
            .limit(1)
        ).first()
        is not None
    )
    quality = Quality(scored=scored)
    if scored:
        outcome = stored_outcomes(connection, [interaction_id])[interaction_id]
        quality.checks = outcome["checks"]
        quality.signals = outcome["signals"]
    spans: list[list[tuple[str, str, str]]] = [[] for _ in texts]
    for check_id, verdict in quality.checks.items():
        for item in verdict["evidence"]:
            index = item.get("message")
            if isinstance(index, int) and 0 <= index < len(texts) and item.get("text"):
                spans[index].append((str(item["text"]), check_id, verdict["result"]))
    quality.segments = [highlight(text, found) for text, found in zip(texts, spans, strict=True)]
    for evaluation in evaluations_of(connection, interaction_id):
        sections = []
        for section in evaluation.scorecard.scorecard.sections:
            items = []
            for criterion in section.criteria:
                result, fraction = evaluation.items.get(criterion.id, (None, None))
                evidence = (
                    quality.checks.get(criterion.check, {}).get("evidence", [])
                    if criterion.check
                    else []
                )
                items.append(CriterionView(criterion, result, fraction, evidence))
            sections.append((section.title, items))
        quality.evaluations.append(EvaluationView(evaluation, sections))
    return quality
