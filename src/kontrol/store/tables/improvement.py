"""The improvement plan: actions with an owner, a due date and the figure they should move."""

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from kontrol.store.tables.schema import Id, metadata

improvement_actions = Table(
    "improvement_actions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("details", Text),
    # Where it came from: audit:<id>:item:<key>, mystery:<id>, dashboard:<metric>, ...
    Column("source", String(200)),
    # The KPI (metric id) or the audit item (template name + item key) it should move.
    Column("metric", String(60)),
    Column("audit_template", String(60)),
    Column("audit_item", String(60)),
    Column("target", Float),
    # higher or lower: which side of the target is good.
    Column("direction", String(6), nullable=False),
    # The figure when the action was made, for "before / after".
    Column("baseline", Float),
    Column("interaction_id", Id, ForeignKey("interactions.id", ondelete="SET NULL")),
    # Who it is about (agents see the actions about them) and the team.
    Column("agent_external_id", String(200)),
    Column("team", String(200)),
    Column("owner_id", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("due_on", Date),
    # open, in_progress, done, cancelled
    Column("status", String(12), nullable=False),
    Column("note", Text),
    Column("created_by", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("done_at", DateTime),
    # Optimistic concurrency: every edit names the version it changed.
    Column("version", Integer, nullable=False),
    Index("ix_improvement_actions_ws_status_due", "workspace_id", "status", "due_on"),
    Index("ix_improvement_actions_owner", "owner_id"),
)
