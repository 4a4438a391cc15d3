"""The jobs of the learned models: nightly training, verdicts for newly scored
conversations, and re-applying the verdicts after a QA lead flips a switch."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import Connection, Engine, select

from kontrol.events import InteractionsScored, subscriber
from kontrol.jobs import JobContext, job
from kontrol.learning.predictions import (
    applied_interactions,
    apply_learned,
    predict,
    predict_recent,
)
from kontrol.learning.training import Training, learned_models_of, train_workspace
from kontrol.store.tables import workspaces

log = logging.getLogger(__name__)

TRAIN_JOB = "learning.train"
APPLY_JOB = "learning.apply"


def train_and_apply(connection: Connection, workspace_id: int) -> list[Training]:
    """Train every bound criterion, store fresh verdicts and apply the switched-on models."""
    trainings = train_workspace(connection, workspace_id)
    predict_recent(connection, workspace_id)
    apply_learned(connection, workspace_id, applied_interactions(connection, workspace_id))
    return trainings


@job(TRAIN_JOB, every=timedelta(days=1), max_attempts=2)
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


@subscriber(InteractionsScored, background=True)
def predict_scored(engine: Engine, event: InteractionsScored) -> None:
    """Newly scored conversations get every model's verdict (and the switched-on ones count)."""
    with engine.begin() as connection:
        models = learned_models_of(connection, event.workspace_id)
        if not models:
            return
        ids = list(event.interaction_ids)
        predict(connection, event.workspace_id, ids, models)
        if any(m.enabled for m in models):
            apply_learned(connection, event.workspace_id, ids)
