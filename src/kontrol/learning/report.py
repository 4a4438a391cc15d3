"""Machine against human, per scorecard criterion: the rule, the learned model and the
language-model criteria, each beside the reviewers' answers on the same conversations.

- the rule: the check's stored verdict against every review of the criterion;
- the learned model: its verdict (as it would count: the rule's ``na`` stands)
  against the held-back reviews only, never the ones it learned from;
- a language-model criterion attached to the scorecard criterion (kontrol.judging):
  its answered verdicts against every review.

For each: how many compared, how often the reviewer overturned the machine,
Cohen's kappa, and the conversations behind each disagreement (a QA lead opens
them to see who was right).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from kontrol.accounts.access import Viewer
from kontrol.accounts.policy import Action, require
from kontrol.checks.scorecards import active_scorecards
from kontrol.judging.agreement import answered_verdicts
from kontrol.judging.criteria import JudgingCriterion, list_criteria
from kontrol.learning.reviews import check_verdicts, held_back, scorecard_answers
from kontrol.learning.training import (
    MARGIN_POINTS,
    MIN_HELD_BACK,
    LearnedModel,
    deployed,
    learned_models_of,
)
from kontrol.review.agreement import cohen_kappa
from kontrol.store.tables import interactions, learned_verdicts

RULE, LEARNED, LANGUAGE_MODEL = "rule", "learned", "llm"
# Disagreeing conversations listed per machine (the newest reviews first).
MAX_LISTED = 50
BATCH = 500


@dataclass(frozen=True, slots=True)
class Disagreement:
    """A conversation where the reviewer overturned the machine."""

    interaction_id: int
    external_id: str
    machine: str
    person: str

    def as_json(self) -> dict[str, Any]:
        return {
            "interaction_id": self.interaction_id,
            "external_id": self.external_id,
            "machine": self.machine,
            "reviewer": self.person,
        }


@dataclass(frozen=True, slots=True)
class MachineFigures:
    """One machine's answers to a criterion against the reviewers'."""

    source: str
    name: str
    compared: int
    overturned: int
    kappa: float | None
    kappa_reason: str | None
    disagreements: list[Disagreement]

    @property
    def overturn_percent(self) -> float | None:
        return round(100.0 * self.overturned / self.compared, 1) if self.compared else None

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "name": self.name,
            "compared": self.compared,
            "overturned": self.overturned,
            "overturn_percent": self.overturn_percent,
            "kappa": self.kappa,
            "kappa_reason": self.kappa_reason,
            "disagreements": [d.as_json() for d in self.disagreements],
        }


@dataclass(frozen=True, slots=True)
class CriterionComparison:
    """A scorecard criterion: its reviews and every machine that answers it."""

    scorecard: str
    criterion: str
    title: str
    reviews: int
    rule: MachineFigures | None
    learned: MachineFigures | None
    model: LearnedModel | None
    language_models: list[MachineFigures] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "scorecard": self.scorecard,
            "criterion": self.criterion,
            "title": self.title,
            "reviews": self.reviews,
            "rule": self.rule.as_json() if self.rule else None,
            "learned": self.learned.as_json() if self.learned else None,
            "model": self.model.as_json() if self.model else None,
            "language_models": [m.as_json() for m in self.language_models],
        }


@dataclass(frozen=True, slots=True)
class MachineReport:
    """The page: every criterion with reviews or a machine, and the switch's terms."""

    criteria: list[CriterionComparison]
    margin_points: float = MARGIN_POINTS
    min_held_back: int = MIN_HELD_BACK

    def as_json(self) -> dict[str, Any]:
        return {
            "switch_terms": {
                "margin_points": self.margin_points,
                "min_held_back": self.min_held_back,
            },
            "criteria": [c.as_json() for c in self.criteria],
        }


def _external_ids(connection: Connection, ids: Sequence[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for start in range(0, len(ids), BATCH):
        for row in connection.execute(
            select(interactions.c.id, interactions.c.external_id).where(
                interactions.c.id.in_(list(ids[start : start + BATCH]))
            )
        ):
            out[int(row.id)] = str(row.external_id)
    return out


def _figures(
    source: str,
    name: str,
    pairs: dict[int, tuple[str, str]],
    names: dict[int, str],
) -> MachineFigures:
    """Figures of (machine, person) answers by interaction."""
    ids = sorted(pairs)
    machine = [pairs[i][0] for i in ids]
    people = [pairs[i][1] for i in ids]
    figure = cohen_kappa(machine, people)
    disagreeing = [i for i in ids if pairs[i][0] != pairs[i][1]]
    listed = [
        Disagreement(i, names.get(i, str(i)), pairs[i][0], pairs[i][1])
        for i in sorted(disagreeing, reverse=True)[:MAX_LISTED]
    ]
    return MachineFigures(
        source,
        name,
        len(ids),
        len(disagreeing),
        round(figure.value, 4) if figure.value is not None else None,
        figure.reason if ids else None,
        listed,
    )


def _learned_verdicts(connection: Connection, model_id: int, ids: Sequence[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for start in range(0, len(ids), BATCH):
        for row in connection.execute(
            select(learned_verdicts.c.interaction_id, learned_verdicts.c.verdict).where(
                learned_verdicts.c.model_id == model_id,
                learned_verdicts.c.interaction_id.in_(list(ids[start : start + BATCH])),
            )
        ):
            out[int(row.interaction_id)] = str(row.verdict)
    return out


def machine_report(connection: Connection, viewer: Viewer) -> MachineReport:
    """Per criterion of the active scorecards: rule, learned model and language models
    against the reviewers (admins and QA leads)."""
    require(viewer, Action.MANAGE_CHECKS)
    workspace_id = viewer.workspace.id
    models = {(m.scorecard, m.criterion): m for m in learned_models_of(connection, workspace_id)}
    asked: dict[tuple[str, str], list[JudgingCriterion]] = {}
    for judging in list_criteria(connection, workspace_id):
        if judging.scorecard and judging.criterion:
            asked.setdefault((judging.scorecard, judging.criterion), []).append(judging)
    out = []
    for stored in active_scorecards(connection, workspace_id):
        by_criterion = scorecard_answers(connection, workspace_id, stored.name)
        everyone = sorted({i for found in by_criterion.values() for i in found})
        names = _external_ids(connection, everyone)
        outcomes = check_verdicts(connection, everyone)
        for criterion in stored.scorecard.criteria:
            key = (stored.name, criterion.id)
            model = models.get(key)
            if criterion.check is None and key not in asked:
                continue
            answers = by_criterion.get(criterion.id, {})
            ids = sorted(answers)
            rule_figures = learned_figures = None
            if criterion.check is not None:
                check = criterion.check
                rules = {i: outcomes[i][check] for i in ids if check in outcomes.get(i, {})}
                rule_figures = _figures(
                    RULE,
                    criterion.check,
                    {i: (rules.get(i, "none"), answers[i]) for i in ids},
                    names,
                )
                if model is not None:
                    tested = [i for i in ids if held_back(i) and answers[i] in ("pass", "fail")]
                    verdicts = _learned_verdicts(connection, model.id, tested)
                    learned_figures = _figures(
                        LEARNED,
                        f"{stored.name}/{criterion.id}",
                        {
                            i: (deployed(rules.get(i), verdicts[i]), answers[i])
                            for i in tested
                            if i in verdicts
                        },
                        names,
                    )
            language_models = []
            for judging in asked.get(key, []):
                judged = answered_verdicts(connection, workspace_id, judging.id)
                language_models.append(
                    _figures(
                        LANGUAGE_MODEL,
                        judging.name,
                        {i: (judged[i], answers[i]) for i in ids if i in judged},
                        names,
                    )
                )
            if not ids and model is None and not language_models:
                continue  # nothing to compare yet
            out.append(
                CriterionComparison(
                    stored.name,
                    criterion.id,
                    criterion.title,
                    len(ids),
                    rule_figures,
                    learned_figures,
                    model,
                    language_models,
                )
            )
    return MachineReport(out)
