"""The jobs of the learned models: nightly training, verdicts for newly scored
conversations, and re-applying the verdicts after a QA lead flips a switch."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import Connection, Engine, select

from kontrol.events import InteractionsScored, subscriber
from kontrol.jobs import JobContext, enqueue, job
from kontrol.learning.predictions import (
    applied_interactions,
    apply_learned,
    predict,
    predict_recent,
)
from kontrol.learning.training import Training, learned_models_of, train_workspace
from kontrol.store.tables import learned_models, workspaces

log = logging.getLogger(__name__)

TRAIN_JOB = "learning.train"
APPLY_JOB = "learning.apply"
PREDICT_JOB = "learning.predict"
# Conversations per prediction job.
BATCH = 500


def train_and_apply(connection: Connection, workspace_id: int) -> list[Training]:
    """Train every bound criterion, store fresh verdicts and apply the switched-on models."""
    trainings = train_workspace(connection, workspace_id)
    unchanged = [t.model.id for t in trainings if t.model is not None and not t.changed]
    predict_recent(connection, workspace_id, unchanged=unchanged)
    apply_learned(connection, workspace_id, applied_interactions(connection, workspace_id))
    return trainings


@job(TRAIN_JOB, every=timedelta(days=1), max_attempts=2, long=True)
def train_models_job(
    ctx: JobContext, *, due: str | None = None, workspace_id: int | None = None
) -> None:
    """Every night (or when asked for one workspace): learn the models again from the reviews."""
    if workspace_id is not None:
        ids = [workspace_id]
    else:
        ids = [int(i) for i in ctx.connection.execute(select(workspaces.c.id)).scalars()]
    for found in ids:
        trainings = train_and_apply(ctx.connection, found)
        log.info(
            "learning %s: %s", found, {f"{t.scorecard}/{t.criterion}": t.status for t in trainings}
        )


@job(APPLY_JOB, max_attempts=3)
def apply_job(ctx: JobContext, *, workspace_id: int) -> None:
    """After a switch: the models' verdicts into the evaluations, or the rules' back."""
    apply_learned(ctx.connection, workspace_id, applied_interactions(ctx.connection, workspace_id))


@job(PREDICT_JOB, max_attempts=3)
def predict_job(ctx: JobContext, *, workspace_id: int, interaction_ids: list[int]) -> None:
    """Every model's verdict on newly scored conversations (switched-on models applied)."""
    models = learned_models_of(ctx.connection, workspace_id)
    if not models:
        return
    predict(ctx.connection, workspace_id, interaction_ids, models)
    if any(m.enabled for m in models):
        apply_learned(ctx.connection, workspace_id, interaction_ids)


@subscriber(InteractionsScored)
def predict_scored(engine: Engine, event: InteractionsScored) -> None:
    """Once the checks' evaluations are committed, queue the models' verdicts (never inline:
    the rule path does not wait for a model)."""
    with engine.begin() as connection:
        if not connection.execute(
            select(learned_models.c.id)
            .where(learned_models.c.workspace_id == event.workspace_id)
            .limit(1)
        ).first():
            return
        ids = list(event.interaction_ids)
        for start in range(0, len(ids), BATCH):
            enqueue(
                engine,
                PREDICT_JOB,
                connection=connection,
                workspace_id=event.workspace_id,
                interaction_ids=ids[start : start + BATCH],
            )
