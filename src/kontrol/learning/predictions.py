"""Each model's verdict per conversation, and the verdicts put to use where switched on.

Verdicts are stored for every model (on or off): the "least sure first" routing
kind (routing.py) and the report read them. Only a model a QA lead switched on
changes the automatic evaluations: its criterion's item gets the model's answer
(``source: learned``) and keeps the rule's in ``rule_result``; switched off, the
rule's answer comes back. The checks' own verdicts (``check_outcomes``) are never
touched, and all of this runs after scoring, in jobs.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Connection, delete, select

from kontrol.checks.stored_results import AUTO
from kontrol.domain.clock import utcnow
from kontrol.judging.answering import rescore_evaluation
from kontrol.learning.model import CountedBatch
from kontrol.learning.reviews import ConversationWords, check_verdicts, scorecard_answers
from kontrol.learning.training import LearnedModel, deployed, learned_models_of
from kontrol.metrics.facts import refresh_qa_facts
from kontrol.store.database import commit_point
from kontrol.store.tables import evaluations, interactions, learned_verdicts, scorecards

SOURCE = "learned"
# After training, verdicts for the newest conversations of the workspace (and every
# reviewed one): enough for "least sure first" without reading years of history.
RECENT = 5000
BATCH = 500


def predict(
    connection: Connection,
    workspace_id: int,
    ids: Sequence[int],
    models: Sequence[LearnedModel] | None = None,
    *,
    skip: dict[int, set[int]] | None = None,
) -> int:
    """Store each model's verdict on these interactions of the workspace; how many.

    ``skip`` names, by model id, interactions whose stored verdict stands (the
    model did not change since). Each conversation is read and tokenised once for
    every model, each check's verdicts read once per batch.
    """
    skip = skip or {}
    models = list(models) if models is not None else learned_models_of(connection, workspace_id)
    own = [
        int(i)
        for start in range(0, len(ids), BATCH)
        for i in connection.execute(
            select(interactions.c.id).where(
                interactions.c.id.in_(list(ids[start : start + BATCH])),
                interactions.c.workspace_id == workspace_id,
            )
        ).scalars()
    ]
    if not models or not own:
        return 0
    parsed = {learned.id: learned.model() for learned in models}
    stored = 0
    for start in range(0, len(own), BATCH):
        batch = own[start : start + BATCH]
        todo = {
            learned.id: [i for i in batch if i not in skip.get(learned.id, ())]
            for learned in models
        }
        needed = sorted({i for chosen in todo.values() for i in chosen})
        if not needed:
            continue
        words = ConversationWords(connection).of(needed)
        checks = check_verdicts(connection, needed)
        counted = CountedBatch([words[i] for i in needed])
        row = {i: n for n, i in enumerate(needed)}
        for learned in models:
            chunk = todo[learned.id]
            if not chunk:
                continue
            verdicts = counted.judge(
                parsed[learned.id],
                [row[i] for i in chunk],
                [checks.get(i, {}).get(learned.check_id) for i in chunk],
            )
            connection.execute(
                delete(learned_verdicts).where(
                    learned_verdicts.c.model_id == learned.id,
                    learned_verdicts.c.interaction_id.in_(chunk),
                )
            )
            now = utcnow()
            connection.execute(
                learned_verdicts.insert(),
                [
                    {
                        "interaction_id": i,
                        "model_id": learned.id,
                        "workspace_id": workspace_id,
                        "verdict": v.verdict,
                        "probability": v.probability,
                        "margin": v.margin,
                        "predicted_at": now,
                    }
                    for i, v in zip(chunk, verdicts, strict=True)
                ],
            )
            stored += len(chunk)
            commit_point(connection)
    return stored


def predict_recent(
    connection: Connection, workspace_id: int, *, unchanged: Collection[int] = ()
) -> int:
    """Verdicts for the newest conversations and every reviewed one, after training.

    A model in ``unchanged`` (trained again to the very same weights) keeps the
    verdicts it has: only conversations without one get it. Those it has stay
    current without this, as a conversation scored again is predicted again
    (jobs.predict_scored).
    """
    models = learned_models_of(connection, workspace_id)
    if not models:
        return 0
    ids = set(
        connection.execute(
            select(interactions.c.id)
            .where(interactions.c.workspace_id == workspace_id)
            .order_by(interactions.c.started_at.desc(), interactions.c.id.desc())
            .limit(RECENT)
        ).scalars()
    )
    answers = {
        scorecard: scorecard_answers(connection, workspace_id, scorecard)
        for scorecard in dict.fromkeys(learned.scorecard for learned in models)
    }
    for learned in models:
        ids.update(answers[learned.scorecard].get(learned.criterion, {}))
    skip: dict[int, set[int]] = {}
    kept = [learned.id for learned in models if learned.id in set(unchanged)]
    for model_id in kept:
        skip[model_id] = set(
            connection.execute(
                select(learned_verdicts.c.interaction_id).where(
                    learned_verdicts.c.model_id == model_id
                )
            ).scalars()
        )
    return predict(connection, workspace_id, sorted(ids), models, skip=skip)


def _item_changed(item: dict[str, Any], verdict: str | None) -> bool:
    """Put the model's answer into an evaluation item (or the rule's back); True if changed."""
    learned = item.get("source") == SOURCE
    if verdict is None:
        if not learned:
            return False
        item["result"] = item.pop("rule_result", None)
        item.pop("source", None)
        return True
    rule = item.get("rule_result") if learned else item.get("result")
    answer = deployed(None if rule is None else str(rule), verdict)
    if learned and item.get("result") == answer:
        return False
    item["rule_result"], item["result"], item["source"] = rule, answer, SOURCE
    return True


def apply_learned(connection: Connection, workspace_id: int, ids: Sequence[int]) -> int:
    """Write switched-on models' verdicts into these interactions' automatic evaluations
    (and take switched-off ones out); how many evaluations changed."""
    switched = {
        learned.id: (learned.scorecard, learned.criterion)
        for learned in learned_models_of(connection, workspace_id)
        if learned.enabled
    }
    changed = 0
    for start in range(0, len(ids), BATCH):
        chunk = list(ids[start : start + BATCH])
        wanted: dict[tuple[int, str, str], str] = {}
        if switched:
            for row in connection.execute(
                select(
                    learned_verdicts.c.interaction_id,
                    learned_verdicts.c.model_id,
                    learned_verdicts.c.verdict,
                ).where(
                    learned_verdicts.c.model_id.in_(list(switched)),
                    learned_verdicts.c.interaction_id.in_(chunk),
                )
            ):
                scorecard, criterion = switched[int(row.model_id)]
                wanted[(int(row.interaction_id), scorecard, criterion)] = str(row.verdict)
        rows = connection.execute(
            select(
                evaluations.c.id,
                evaluations.c.interaction_id,
                evaluations.c.scorecard_id,
                evaluations.c["items"],
                scorecards.c.name,
            )
            .join(scorecards, scorecards.c.id == evaluations.c.scorecard_id)
            .where(
                evaluations.c.interaction_id.in_(chunk),
                evaluations.c.workspace_id == workspace_id,
                evaluations.c.kind == AUTO,
            )
        ).all()
        rescored: set[int] = set()
        for evaluation in rows:
            items = [dict(item) for item in evaluation._mapping["items"] or []]
            touched = False
            for item in items:
                if item.get("check") is None:
                    continue
                key = (int(evaluation.interaction_id), evaluation.name, str(item.get("criterion")))
                touched = _item_changed(item, wanted.get(key)) or touched
            if touched:
                rescore_evaluation(
                    connection,
                    workspace_id,
                    int(evaluation.id),
                    int(evaluation.scorecard_id),
                    items,
                )
                rescored.add(int(evaluation.interaction_id))
                changed += 1
        if rescored:
            # The QA figures read the counted evaluation's score from the facts.
            refresh_qa_facts(connection, workspace_id, sorted(rescored))
        commit_point(connection)
    return changed


def applied_interactions(connection: Connection, workspace_id: int) -> list[int]:
    """Interactions a switch may concern: every one with a stored verdict."""
    return [
        int(i)
        for i in connection.execute(
            select(learned_verdicts.c.interaction_id)
            .where(learned_verdicts.c.workspace_id == workspace_id)
            .distinct()
        ).scalars()
    ]
