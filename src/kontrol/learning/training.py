"""Training and measuring the learned models, and the QA lead's switch.

For each criterion bound to a check (pass/fail scale) of the workspace's active
scorecards: the reviews are split once and for all by a hash of the interaction
id (reviews.py); the model learns from four in five of the pass/fail answers and
is measured on the fifth it never saw, beside the rule on exactly the same
reviews. The stored model is the measured one. Where the rule says ``na`` the
criterion did not apply and the model's verdict is not used (also when measured).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from kontrol.checks.scorecards import active_scorecards
from kontrol.domain.clock import utcnow
from kontrol.domain.errors import InvalidInput, NotFound
from kontrol.learning.model import CriterionModel, fit, with_rule
from kontrol.learning.reviews import (
    ConversationWords,
    Review,
    check_verdicts,
    held_back,
    reviews_of,
    scorecard_answers,
)
from kontrol.review.agreement import cohen_kappa
from kontrol.store.database import commit_point
from kontrol.store.tables import learned_models

log = logging.getLogger(__name__)

# Too few reviews to learn from (pass and fail must both occur among them).
MIN_TRAINING = 30
# The switch: at least this many held-back reviews, and the model's agreement with
# reviewers at least this many percentage points above the rule's on them.
MIN_HELD_BACK = 20
MARGIN_POINTS = 5.0


def deployed(rule: str | None, model: str) -> str:
    """The criterion's answer with the model on: the rule's ``na`` stands, else the model's."""
    return rule if rule == "na" else model


@dataclass(frozen=True, slots=True)
class LearnedModel:
    """A stored model with its figures on the held-back reviews."""

    id: int
    scorecard: str
    criterion: str
    check_id: str
    trained_at: datetime
    samples: int
    held_back: int
    model_agreed: int
    rule_agreed: int
    model_kappa: float | None
    rule_kappa: float | None
    enabled: bool
    switched_at: datetime | None
    model_json: str

    @property
    def model_percent(self) -> float | None:
        return round(100.0 * self.model_agreed / self.held_back, 1) if self.held_back else None

    @property
    def rule_percent(self) -> float | None:
        return round(100.0 * self.rule_agreed / self.held_back, 1) if self.held_back else None

    @property
    def gain(self) -> float | None:
        """Percentage points the model agrees with reviewers more than the rule does."""
        if not self.held_back:
            return None
        return round(100.0 * (self.model_agreed - self.rule_agreed) / self.held_back, 1)

    @property
    def beats_rule(self) -> bool:
        """Whether the QA lead may turn it on (enough held-back reviews, a clear gain)."""
        gain = self.gain
        return self.held_back >= MIN_HELD_BACK and gain is not None and gain >= MARGIN_POINTS

    def model(self) -> CriterionModel:
        return CriterionModel.from_json(self.model_json)

    def as_json(self) -> dict[str, Any]:
        """The API form (without the weights)."""
        return {
            "id": self.id,
            "scorecard": self.scorecard,
            "criterion": self.criterion,
            "check": self.check_id,
            "trained_at": self.trained_at.isoformat(),
            "samples": self.samples,
            "held_back": self.held_back,
            "model_agreement": self.model_percent,
            "rule_agreement": self.rule_percent,
            "model_kappa": self.model_kappa,
            "rule_kappa": self.rule_kappa,
            "gain_points": self.gain,
            "beats_rule": self.beats_rule,
            "enabled": self.enabled,
        }


def _learned(row: Any) -> LearnedModel:
    return LearnedModel(
        id=int(row.id),
        scorecard=str(row.scorecard),
        criterion=str(row.criterion),
        check_id=str(row.check_id),
        trained_at=row.trained_at,
        samples=int(row.samples),
        held_back=int(row.held_back),
        model_agreed=int(row.model_agreed),
        rule_agreed=int(row.rule_agreed),
        model_kappa=row.model_kappa,
        rule_kappa=row.rule_kappa,
        enabled=bool(row.enabled),
        switched_at=row.switched_at,
        model_json=str(row.model),
    )


def learned_models_of(connection: Connection, workspace_id: int) -> list[LearnedModel]:
    """The workspace's models, by scorecard and criterion."""
    rows = connection.execute(
        select(learned_models)
        .where(learned_models.c.workspace_id == workspace_id)
        .order_by(learned_models.c.scorecard, learned_models.c.criterion)
    )
    return [_learned(row) for row in rows]


def learned_model(connection: Connection, workspace_id: int, model_id: int) -> LearnedModel:
    """One of the workspace's models (``NotFound`` for another workspace's)."""
    row = connection.execute(
        select(learned_models).where(
            learned_models.c.id == model_id, learned_models.c.workspace_id == workspace_id
        )
    ).first()
    if row is None:
        raise NotFound(
            f"no learned model {model_id} in this workspace",
            key="learning.error.no_model",
            params={"model_id": model_id},
        )
    return _learned(row)


@dataclass(frozen=True, slots=True)
class Training:
    """What training one criterion did: ``trained`` or why not (``too_few``, ``one_class``)."""

    scorecard: str
    criterion: str
    status: str
    reviews: int
    model: LearnedModel | None = None
    # Whether the stored model differs from the one before (its verdicts are to be redone).
    changed: bool = False


def bound_criteria(connection: Connection, workspace_id: int) -> list[tuple[str, str, str]]:
    """(scorecard, criterion, check) of every pass/fail criterion bound to a check."""
    found = []
    for stored in active_scorecards(connection, workspace_id):
        for criterion in stored.scorecard.criteria:
            if criterion.check is not None and criterion.scale == "pass_fail":
                found.append((stored.name, criterion.id, criterion.check))
    return found


def _agreement(machine: Sequence[str], people: Sequence[str]) -> tuple[int, float | None]:
    agreed = sum(1 for m, p in zip(machine, people, strict=True) if m == p)
    figure = cohen_kappa(list(machine), list(people))
    return agreed, round(figure.value, 4) if figure.value is not None else None


def measure_held_back(
    model: CriterionModel, tested: Sequence[Review], words: dict[int, list[str]]
) -> tuple[int, float | None, int, float | None]:
    """(model agreed, model kappa, rule agreed, rule kappa) on the held-back reviews."""
    documents = [with_rule(words[r.interaction_id], r.rule) for r in tested]
    verdicts = model.judge(documents)
    people = [r.result for r in tested]
    model_answers = [deployed(r.rule, v.verdict) for r, v in zip(tested, verdicts, strict=True)]
    rule_answers = [r.rule or "none" for r in tested]
    model_agreed, model_kappa = _agreement(model_answers, people)
    rule_agreed, rule_kappa = _agreement(rule_answers, people)
    return model_agreed, model_kappa, rule_agreed, rule_kappa


def train_criterion(
    connection: Connection,
    workspace_id: int,
    scorecard: str,
    criterion: str,
    check_id: str,
    *,
    answers: dict[int, str] | None = None,
    verdicts: dict[int, dict[str, str]] | None = None,
    words: ConversationWords | None = None,
) -> Training:
    """Learn (again) the criterion's model from the reviews and store it with its figures.

    A model switched on stays on only while it still beats the rule. A training of
    the workspace shares the reviewers' ``answers``, the checks' ``verdicts`` and the
    conversations' ``words`` across criteria (the same figures, made once).
    """
    reviews = reviews_of(
        connection, workspace_id, scorecard, criterion, check_id, answers=answers, verdicts=verdicts
    )
    labelled = [r for r in reviews if r.labelled]
    learning = [r for r in labelled if not held_back(r.interaction_id)]
    tested = [r for r in labelled if held_back(r.interaction_id)]
    if len(learning) < MIN_TRAINING:
        return Training(scorecard, criterion, "too_few", len(labelled))
    if len({r.result for r in learning}) < 2:
        return Training(scorecard, criterion, "one_class", len(labelled))
    found = (words or ConversationWords(connection)).of([r.interaction_id for r in labelled])
    model = fit(
        [with_rule(found[r.interaction_id], r.rule) for r in learning],
        [r.result for r in learning],
    )
    model_agreed, model_kappa, rule_agreed, rule_kappa = (
        measure_held_back(model, tested, found) if tested else (0, None, 0, None)
    )
    stored_json = model.to_json()
    values = {
        "check_id": check_id,
        "trained_at": utcnow(),
        "samples": len(learning),
        "held_back": len(tested),
        "model_agreed": model_agreed,
        "rule_agreed": rule_agreed,
        "model_kappa": model_kappa,
        "rule_kappa": rule_kappa,
        "model": stored_json,
    }
    key = (
        learned_models.c.workspace_id == workspace_id,
        learned_models.c.scorecard == scorecard,
        learned_models.c.criterion == criterion,
    )
    before = connection.execute(select(learned_models.c.model).where(*key)).scalar()
    if not connection.execute(update(learned_models).where(*key).values(**values)).rowcount:
        connection.execute(
            learned_models.insert().values(
                workspace_id=workspace_id,
                scorecard=scorecard,
                criterion=criterion,
                enabled=False,
                **values,
            )
        )
    row = connection.execute(select(learned_models).where(*key)).one()
    stored = _learned(row)
    if stored.enabled and not stored.beats_rule:
        log.warning("learned model %s/%s no longer beats the rule: off", scorecard, criterion)
        connection.execute(
            update(learned_models)
            .where(learned_models.c.id == stored.id)
            .values(enabled=False, switched_at=utcnow(), switched_by=None)
        )
        stored = learned_model(connection, workspace_id, stored.id)
    changed = before is None or str(before) != stored_json
    return Training(scorecard, criterion, "trained", len(labelled), stored, changed)


def train_workspace(connection: Connection, workspace_id: int) -> list[Training]:
    """Train every bound criterion of the workspace.

    Everything a criterion's training reads but does not own is read once for all:
    the reviewers' answers per scorecard, the checks' verdicts and the conversations'
    words (reading and lemmatising them was most of the time, criterion after criterion).
    """
    criteria = bound_criteria(connection, workspace_id)
    answers = {
        scorecard: scorecard_answers(connection, workspace_id, scorecard)
        for scorecard in dict.fromkeys(scorecard for scorecard, _, _ in criteria)
    }
    reviewed = sorted(
        {i for scorecard, criterion, _ in criteria for i in answers[scorecard].get(criterion, {})}
    )
    verdicts = check_verdicts(connection, reviewed)
    words = ConversationWords(connection)
    trainings = []
    for scorecard, criterion, check_id in criteria:
        trainings.append(
            train_criterion(
                connection,
                workspace_id,
                scorecard,
                criterion,
                check_id,
                answers=answers[scorecard].get(criterion, {}),
                verdicts=verdicts,
                words=words,
            )
        )
        commit_point(connection)
    return trainings


def switch_model(
    connection: Connection, workspace_id: int, model_id: int, on: bool, user_id: int | None
) -> LearnedModel:
    """Turn the model's verdict on or off for its criterion; on only where it beats the rule.

    The caller re-applies the verdicts to the evaluations (a job: predictions.py).
    """
    found = learned_model(connection, workspace_id, model_id)
    if on and not found.beats_rule:
        raise InvalidInput(
            f"learned model {found.scorecard}/{found.criterion}: it must agree with reviewers "
            f"at least {MARGIN_POINTS:g} points more than the rule on at least "
            f"{MIN_HELD_BACK} held-back reviews (now {found.gain} points on {found.held_back})",
            key="learning.refused.not_better",
            params={
                "margin": f"{MARGIN_POINTS:g}",
                "minimum": MIN_HELD_BACK,
                "gain": "—" if found.gain is None else f"{found.gain:g}",
                "held_back": found.held_back,
            },
        )
    connection.execute(
        update(learned_models)
        .where(learned_models.c.id == model_id)
        .values(enabled=on, switched_at=utcnow(), switched_by=user_id)
    )
    return learned_model(connection, workspace_id, model_id)
