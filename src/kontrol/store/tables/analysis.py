"""Contact reasons and complaint types: the taxonomy, the assignment per interaction,
the learned models and the cost settings of the analysis pages."""

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from kontrol.store.tables.schema import Id, metadata

# One row per reason (kind "reason") or complaint type (kind "complaint"): the QA
# lead's taxonomy, with its phrase rules per language (one phrase a line).
contact_reasons = Table(
    "contact_reasons",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("code", String(60), nullable=False),
    Column("label_ru", String(200), nullable=False),
    Column("label_en", String(200), nullable=False),
    Column("phrases_ru", Text, nullable=False),
    Column("phrases_en", Text, nullable=False),
    Column("position", Integer, nullable=False),
    UniqueConstraint("workspace_id", "kind", "code"),
)

# The reason and complaint type of each interaction and where they came from:
# topic (or tag), rule, model; null when nothing matched.
reason_assignments = Table(
    "reason_assignments",
    metadata,
    Column(
        "interaction_id",
        Id,
        ForeignKey("interactions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("reason", String(200)),
    Column("reason_source", String(10), nullable=False),
    Column("reason_confidence", Float),
    Column("complaint_type", String(200)),
    Column("complaint_source", String(10)),
    Column("assigned_at", DateTime, nullable=False),
    Index("ix_reason_assignments_workspace_id_reason", "workspace_id", "reason"),
)

# A text classifier learned from the interactions that have a reason, per workspace
# and kind: its vocabulary and weights as JSON (no pickles in the database).
reason_models = Table(
    "reason_models",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("trained_at", DateTime, nullable=False),
    Column("samples", Integer, nullable=False),
    Column("accuracy", Float),
    Column("model", Text, nullable=False),
    UniqueConstraint("workspace_id", "kind"),
)

# What a contact costs where the interaction carries no cost of its own.
analysis_settings = Table(
    "analysis_settings",
    metadata,
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    Column("cost_per_minute", Float),
    Column("cost_per_contact", Float),
    Column("updated_at", DateTime, nullable=False),
)
