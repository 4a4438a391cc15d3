"""The evaluated agent's answer and what follows: disputes and corrective tasks."""

from sqlalchemy import (
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

# An agent's dispute of an evaluation, whole (criterion null) or of one criterion.
disputes = Table(
    "disputes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("evaluation_id", Id, ForeignKey("evaluations.id", ondelete="CASCADE"), nullable=False),
    Column("criterion", String(80)),
    Column("reason", Text, nullable=False),
    # open, upheld (the evaluation stands), changed (the score was changed), withdrawn
    Column("status", String(12), nullable=False),
    Column("raised_by", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("raised_at", DateTime, nullable=False),
    Column("resolved_by", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("resolved_at", DateTime),
    Column("resolution", Text),
    Column("version", Integer, nullable=False, server_default="1"),
    Index("ix_disputes_ws_status", "workspace_id", "status"),
    Index("ix_disputes_evaluation", "evaluation_id"),
)

# Corrective tasks: call the customer back, correct the information, coaching...
corrective_tasks = Table(
    "corrective_tasks",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    # callback, correction, coaching, training, other
    Column("kind", String(20), nullable=False),
    Column("title", String(200), nullable=False),
    Column("details", Text),
    Column("agent_external_id", String(200)),
    Column("interaction_id", Id, ForeignKey("interactions.id", ondelete="SET NULL")),
    Column("evaluation_id", Id, ForeignKey("evaluations.id", ondelete="SET NULL")),
    Column("owner_id", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("due_at", DateTime),
    # open, in_progress, done, cancelled
    Column("status", String(12), nullable=False),
    Column("outcome", Text),
    Column("created_by", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("done_at", DateTime),
    Column("version", Integer, nullable=False, server_default="1"),
    Index("ix_corrective_tasks_ws_status", "workspace_id", "status"),
    Index("ix_corrective_tasks_agent", "workspace_id", "agent_external_id"),
)
