"""The job queue: one row per job run."""

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from kontrol.store.tables.schema import Id, metadata

job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    # The workspace the run works for (from its payload), so its admins see it.
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE")),
    Column("payload", JSON, nullable=False),
    # queued, running, done, failed (waiting for its next attempt), dead
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("max_attempts", Integer, nullable=False),
    Column("last_error", Text),
    # An enqueue with the key of an existing run returns that run.
    Column("dedup_key", String(200), unique=True),
    Column("created_at", DateTime, nullable=False),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("started_at", DateTime),
    Column("finished_at", DateTime),
    # Who runs it and until when the claim holds (a killed runner's claim runs out).
    Column("claimed_by", String(100)),
    Column("claimed_until", DateTime),
    Index("ix_job_runs_status_next", "status", "next_attempt_at"),
    Index("ix_job_runs_created", "created_at"),
    Index("ix_job_runs_ws_status", "workspace_id", "status", "id"),
)
