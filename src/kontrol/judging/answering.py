"""Asking the criteria after the rule checks scored an interaction: a job per batch,
with the cache by content hash, the daily budget, retries with backoff, and the
counted (not shadow) answers written into the automatic evaluation's score.

Nothing here runs inside the rule engine: the subscriber only queues a job once
the interactions' automatic evaluations are committed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.dialects import postgresql, sqlite

from kontrol.checks.scorecards import scorecard_version
from kontrol.checks.stored_results import AUTO
from kontrol.domain.clock import utcnow
from kontrol.domain.scorecard import compute_score
from kontrol.events import InteractionsScored, subscriber
from kontrol.jobs import JobContext, enqueue, job
from kontrol.judging.asking import EndpointUnavailable, ModelAnswer, ask_model
from kontrol.judging.criteria import JudgingCriterion, list_criteria
from kontrol.judging.endpoint import JudgingEndpoint, endpoint_of
from kontrol.metrics.facts import refresh_qa_facts
from kontrol.redaction import redact
from kontrol.store.tables import (
    evaluations,
    interactions,
    judging_answers,
    judging_usage,
    messages,
    scorecards,
)

log = logging.getLogger(__name__)

ASK_JOB = "judging.ask"
MAX_ATTEMPTS = 4
BATCH = 100
ANSWERED, VOID, DEFERRED, FAILED = "answered", "void", "deferred", "failed"
# States a later run does not ask again for the same content.
SETTLED = (ANSWERED, VOID)
# Marks the evaluation items a language model answered.
SOURCE = "judging"


@dataclass
class JudgingTally:
    """What one run did, for the job log, the CLI and the tests."""

    asked: int = 0
    cached: int = 0
    deferred: int = 0
    void: int = 0
    failed: int = 0
    skipped: int = 0
    applied: list[int] = field(default_factory=list)


def judging_hash(
    endpoint: JudgingEndpoint, criterion: JudgingCriterion, lines: list[tuple[str, str]]
) -> str:
    """The cache key: the same text, criterion version and model ask nothing new."""
    data = [endpoint.model, criterion.id, criterion.version, criterion.question, lines]
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()


def transcript_lines(
    connection: Connection, workspace_id: int, interaction_id: int
) -> list[tuple[str, str]]:
    """The interaction's messages as (role, text), in order; empty for another workspace's."""
    rows = connection.execute(
        select(messages.c.role, messages.c.text)
        .join(interactions, interactions.c.id == messages.c.interaction_id)
        .where(
            messages.c.interaction_id == interaction_id,
            interactions.c.workspace_id == workspace_id,
        )
        .order_by(messages.c.seq)
    ).all()
    return [(str(row.role), str(row.text)) for row in rows if str(row.text).strip()]


def outgoing_lines(
    endpoint: JudgingEndpoint, lines: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The lines as they may leave the machine: personal data masked unless turned off."""
    if not endpoint.mask_personal_data:
        return lines
    return [(role, redact(text)) for role, text in lines]


def take_budget(engine: Engine, workspace_id: int, budget: int, day: date) -> bool:
    """Count one request against today's budget; False when it is spent."""
    if budget <= 0:
        return False
    with engine.begin() as connection:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        connection.execute(
            dialect.insert(judging_usage)
            .values(workspace_id=workspace_id, day=day, requests=0)
            .on_conflict_do_nothing(index_elements=["workspace_id", "day"])
        )
        taken = connection.execute(
            update(judging_usage)
            .where(
                judging_usage.c.workspace_id == workspace_id,
                judging_usage.c.day == day,
                judging_usage.c.requests < budget,
            )
            .values(requests=judging_usage.c.requests + 1)
        ).rowcount
    return bool(taken)


def requests_on(connection: Connection, workspace_id: int, day: date) -> int:
    """Requests counted against the budget on ``day`` (UTC)."""
    found = connection.execute(
        select(judging_usage.c.requests).where(
            judging_usage.c.workspace_id == workspace_id, judging_usage.c.day == day
        )
    ).scalar()
    return int(found or 0)


def _store(
    connection: Connection,
    workspace_id: int,
    interaction_id: int,
    criterion: JudgingCriterion,
    model: str,
    digest: str,
    answer: ModelAnswer,
) -> None:
    values = {
        "criterion_version": criterion.version,
        "model": model[:200],
        "content_hash": digest,
        "state": answer.state,
        "verdict": answer.verdict,
        "reason": answer.reason,
        "quote": answer.quote,
        "created_at": utcnow(),
    }
    changed = connection.execute(
        update(judging_answers)
        .where(
            judging_answers.c.interaction_id == interaction_id,
            judging_answers.c.criterion_id == criterion.id,
        )
        .values(**values)
    ).rowcount
    if not changed:
        connection.execute(
            judging_answers.insert().values(
                workspace_id=workspace_id,
                interaction_id=interaction_id,
                criterion_id=criterion.id,
                **values,
            )
        )


def _settled(
    connection: Connection, workspace_id: int, interaction_id: int, criterion_id: int, digest: str
) -> tuple[bool, ModelAnswer | None]:
    """(this interaction already has the answer, a cached answer to copy)."""
    own = connection.execute(
        select(judging_answers.c.state, judging_answers.c.content_hash).where(
            judging_answers.c.interaction_id == interaction_id,
            judging_answers.c.criterion_id == criterion_id,
        )
    ).first()
    if own is not None and own.content_hash == digest and own.state in SETTLED:
        return True, None
    cached = connection.execute(
        select(judging_answers)
        .where(
            judging_answers.c.workspace_id == workspace_id,
            judging_answers.c.content_hash == digest,
            judging_answers.c.state.in_(SETTLED),
        )
        .limit(1)
    ).first()
    if cached is None:
        return False, None
    return False, ModelAnswer(cached.state, cached.verdict, cached.reason or "", cached.quote or "")


def judge_interactions(
    engine: Engine, workspace_id: int, interaction_ids: list[int], *, last_attempt: bool = True
) -> JudgingTally:
    """Ask every enabled criterion about these interactions (cached answers are reused).

    An endpoint that is down (timeout, 429, 5xx) raises :class:`EndpointUnavailable`
    so the job retries with backoff; on the last attempt the answer is recorded as
    ``failed``. Answers already stored stay: each is committed on its own.
    """
    tally = JudgingTally()
    with engine.connect() as connection:
        endpoint = endpoint_of(connection, workspace_id)
        criteria = list_criteria(connection, workspace_id, enabled_only=True)
    if endpoint is None or not endpoint.enabled or not criteria:
        return tally
    for interaction_id in interaction_ids:
        with engine.connect() as connection:
            lines = transcript_lines(connection, workspace_id, interaction_id)
        if not lines:
            continue
        sent = outgoing_lines(endpoint, lines)
        for criterion in criteria:
            digest = judging_hash(endpoint, criterion, sent)
            with engine.begin() as connection:
                done, cached = _settled(
                    connection, workspace_id, interaction_id, criterion.id, digest
                )
                if cached is not None:
                    _store(
                        connection,
                        workspace_id,
                        interaction_id,
                        criterion,
                        endpoint.model,
                        digest,
                        cached,
                    )
                    tally.cached += 1
            if done:
                tally.skipped += 1
                continue
            if cached is not None:
                continue
            answer = _ask(engine, workspace_id, endpoint, criterion, sent, last_attempt, tally)
            with engine.begin() as connection:
                _store(
                    connection,
                    workspace_id,
                    interaction_id,
                    criterion,
                    endpoint.model,
                    digest,
                    answer,
                )
        with engine.begin() as connection:
            if apply_counted_answers(connection, workspace_id, interaction_id):
                tally.applied.append(interaction_id)
    return tally


def _ask(
    engine: Engine,
    workspace_id: int,
    endpoint: JudgingEndpoint,
    criterion: JudgingCriterion,
    sent: list[tuple[str, str]],
    last_attempt: bool,
    tally: JudgingTally,
) -> ModelAnswer:
    if not take_budget(engine, workspace_id, endpoint.daily_budget, utcnow().date()):
        tally.deferred += 1
        return ModelAnswer(
            DEFERRED, None, f"over the daily budget of {endpoint.daily_budget} requests", ""
        )
    try:
        answer = ask_model(endpoint, criterion.question, sent)
    except EndpointUnavailable as error:
        if not last_attempt:
            raise
        tally.failed += 1
        return ModelAnswer(FAILED, None, str(error), "")
    tally.asked += 1
    if answer.state == VOID:
        tally.void += 1
    return answer


def _value(result: Any) -> str | int | None:
    if isinstance(result, str) and result.isdigit():
        return int(result)
    return result if result is None or isinstance(result, str | int) else str(result)


def apply_counted_answers(connection: Connection, workspace_id: int, interaction_id: int) -> bool:
    """Write the counted answers into the interaction's automatic evaluations and rescore
    them; answers of criteria now in shadow (or void, deferred) are taken out. True if
    an evaluation changed."""
    criteria = {c.id: c for c in list_criteria(connection, workspace_id)}
    answers = connection.execute(
        select(
            judging_answers.c.criterion_id, judging_answers.c.state, judging_answers.c.verdict
        ).where(judging_answers.c.interaction_id == interaction_id)
    ).all()
    wanted: dict[tuple[str, str], str] = {}
    for row in answers:
        criterion = criteria.get(int(row.criterion_id))
        if criterion is None or not criterion.counted or row.state != ANSWERED:
            continue
        assert criterion.scorecard is not None and criterion.criterion is not None
        wanted[(criterion.scorecard, criterion.criterion)] = str(row.verdict)
    changed = False
    rows = connection.execute(
        select(
            evaluations.c.id, evaluations.c.scorecard_id, evaluations.c["items"], scorecards.c.name
        )
        .join(scorecards, scorecards.c.id == evaluations.c.scorecard_id)
        .where(
            evaluations.c.interaction_id == interaction_id,
            evaluations.c.workspace_id == workspace_id,
            evaluations.c.kind == AUTO,
        )
    ).all()
    for evaluation in rows:
        items = [dict(item) for item in evaluation._mapping["items"] or []]
        touched = False
        for item in items:
            verdict = wanted.get((evaluation.name, str(item.get("criterion"))))
            if item.get("check") is not None:
                continue
            if verdict is not None and (
                item.get("result") != verdict or item.get("source") != SOURCE
            ):
                item["result"], item["source"] = verdict, SOURCE
                touched = True
            elif verdict is None and item.get("source") == SOURCE:
                item["result"] = None
                item.pop("source")
                touched = True
        if not touched:
            continue
        rescore_evaluation(
            connection, workspace_id, int(evaluation.id), int(evaluation.scorecard_id), items
        )
        changed = True
    if changed:
        refresh_qa_facts(connection, workspace_id, [interaction_id])
    return changed


def rescore_evaluation(
    connection: Connection,
    workspace_id: int,
    evaluation_id: int,
    scorecard_id: int,
    items: list[dict[str, Any]],
) -> None:
    """Store an automatic evaluation's changed items with its score computed again.

    Shared with the learned models (kontrol.learning), which change criteria bound
    to a check the same way language-model criteria change manual ones.
    """
    card = scorecard_version(connection, workspace_id, scorecard_id).scorecard
    score = compute_score(card, {str(i["criterion"]): _value(i.get("result")) for i in items})
    fractions = {o.criterion.id: o.fraction for o in score.outcomes}
    for item in items:
        item["fraction"] = fractions.get(str(item.get("criterion")))
    connection.execute(
        update(evaluations)
        .where(evaluations.c.id == evaluation_id)
        .values(score=score.score, passed=score.passed, items=items)
    )


def queue_judging(connection: Connection, engine: Engine, workspace_id: int, ids: list[int]) -> int:
    """Queue the asking of these interactions in batches; how many jobs were queued."""
    queued = 0
    for start in range(0, len(ids), BATCH):
        enqueue(
            engine,
            ASK_JOB,
            connection=connection,
            workspace_id=workspace_id,
            interaction_ids=ids[start : start + BATCH],
        )
        queued += 1
    return queued


def _wants_judging(connection: Connection, workspace_id: int) -> bool:
    endpoint = endpoint_of(connection, workspace_id)
    return bool(
        endpoint is not None
        and endpoint.enabled
        and list_criteria(connection, workspace_id, enabled_only=True)
    )


@subscriber(InteractionsScored)
def judge_scored(engine: Engine, event: InteractionsScored) -> None:
    """Once the rule checks' evaluations are committed, queue the language-model criteria."""
    with engine.begin() as connection:
        if _wants_judging(connection, event.workspace_id):
            queue_judging(connection, engine, event.workspace_id, list(event.interaction_ids))


@job(ASK_JOB, max_attempts=MAX_ATTEMPTS)
def ask_judging_job(ctx: JobContext, *, workspace_id: int, interaction_ids: list[int]) -> None:
    """Ask the criteria about a batch; raises (and is retried) while the endpoint is down."""
    tally = judge_interactions(
        ctx.engine, workspace_id, interaction_ids, last_attempt=ctx.attempt >= MAX_ATTEMPTS
    )
    log.info("judging %s: %s", workspace_id, tally)


@job("judging.apply", max_attempts=3)
def apply_judging_job(ctx: JobContext, *, workspace_id: int) -> None:
    """After a criterion left or entered shadow mode: rewrite the affected evaluations."""
    ids = ctx.connection.execute(
        select(judging_answers.c.interaction_id)
        .where(judging_answers.c.workspace_id == workspace_id)
        .distinct()
    ).scalars()
    for interaction_id in ids:
        apply_counted_answers(ctx.connection, workspace_id, int(interaction_id))


@job("judging.resume", every=timedelta(hours=1))
def resume_judging_job(ctx: JobContext, *, due: str) -> None:
    """Queue again the answers deferred by a spent budget (a new day brings a new budget)."""
    rows = ctx.connection.execute(
        select(judging_answers.c.workspace_id, judging_answers.c.interaction_id)
        .where(judging_answers.c.state.in_((DEFERRED, FAILED)))
        .distinct()
    ).all()
    by_workspace: dict[int, list[int]] = {}
    for row in rows:
        by_workspace.setdefault(int(row.workspace_id), []).append(int(row.interaction_id))
    today = utcnow().date()
    for workspace_id, ids in by_workspace.items():
        endpoint = endpoint_of(ctx.connection, workspace_id)
        if endpoint is None or not endpoint.enabled:
            continue
        if requests_on(ctx.connection, workspace_id, today) >= endpoint.daily_budget:
            continue
        queue_judging(ctx.connection, ctx.engine, workspace_id, sorted(ids))
