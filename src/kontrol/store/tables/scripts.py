"""Scripts (versioned like scorecards), feedback on their steps, widget tokens."""

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from kontrol.store.tables.schema import Id, metadata

# One row per saved version; the newest is in force (is_active), older ones are kept.
scripts = Table(
    "scripts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(80), nullable=False),
    Column("version", Integer, nullable=False),
    Column("title", String(500), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("yaml", Text, nullable=False),
    # What changed in this version, in the editor's words (the changelog).
    Column("note", Text, nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(100)),
    UniqueConstraint("workspace_id", "name", "version"),
    Index("ix_scripts_workspace_id_is_active", "workspace_id", "is_active"),
)

# Comments and suggestions on one step ("this step doesn't work"): agents and customers.
script_feedback = Table(
    "script_feedback",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("script_name", String(80), nullable=False),
    Column("version", Integer, nullable=False),
    Column("step_id", String(60), nullable=False),
    # agent (a suggestion from staff) or customer (a comment a customer made)
    Column("source", String(10), nullable=False),
    Column("text", Text, nullable=False),
    Column("author", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_script_feedback_workspace_id_script_name", "workspace_id", "script_name"),
)

# Read-only tokens of the embeddable widget: only a SHA-256 of the secret is kept.
script_widget_tokens = Table(
    "script_widget_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("label", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    # The first characters of the secret, to tell tokens apart in the list.
    Column("prefix", String(12), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
)
