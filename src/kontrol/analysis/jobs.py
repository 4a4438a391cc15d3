"""Background jobs of the analysis: reasons for new interactions, the nightly model."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, select

from kontrol.analysis.assignment import assign_missing, assign_reasons, reassign_guesses, train
from kontrol.events import InteractionsStored, subscriber
from kontrol.jobs import JobContext, job
from kontrol.store.tables import workspaces

ASSIGN_JOB = "analysis.assign"
TRAIN_JOB = "analysis.train"


@job(ASSIGN_JOB, every=timedelta(minutes=15), max_attempts=3)
def assign_job(ctx: JobContext, *, due: str) -> None:
    """Every 15 minutes: a reason and complaint type for interactions that have none."""
    for workspace_id in ctx.connection.execute(select(workspaces.c.id)).scalars():
        assign_missing(ctx.connection, workspace_id)


@job(TRAIN_JOB, every=timedelta(days=1), max_attempts=2, long=True)
def train_job(ctx: JobContext, *, due: str) -> None:
    """Every night: learn the models again from the latest interactions, then re-assign."""
    for workspace_id in ctx.connection.execute(select(workspaces.c.id)).scalars():
        train(ctx.connection, workspace_id)
        reassign_guesses(ctx.connection, workspace_id)


@subscriber(InteractionsStored, background=True)
def assign_stored(engine: Engine, event: InteractionsStored) -> None:
    """New or changed interactions get their reason (again: a re-import may bring a topic)."""
    with engine.begin() as connection:
        assign_reasons(connection, event.workspace_id, list(event.interaction_ids))
