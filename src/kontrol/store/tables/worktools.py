"""Work-tool quality: work items (CRM deals, tickets, tasks), hygiene rules, violations."""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from kontrol.store.tables.schema import Id, metadata

# One record of a working tool, imported like interactions (FORMAT.md extension).
work_items = Table(
    "work_items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("source", String(100), nullable=False),
    Column("external_id", String(200), nullable=False),
    # deal, ticket, task or any type the tool has
    Column("type", String(50), nullable=False),
    Column("title", String(500)),
    Column("owner_external_id", String(200)),
    Column("owner_name", String(200)),
    Column("team", String(200)),
    Column("status", String(100), nullable=False),
    Column("closed", Boolean, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    # When the status last changed (the history's last entry, else updated_at).
    Column("status_since", DateTime, nullable=False),
    Column("due_at", DateTime),
    Column("closed_at", DateTime),
    Column("customer_id", String(200)),
    Column("customer_name", String(200)),
    Column("customer_phone", String(100)),
    Column("customer_email", String(200)),
    Column("resolution", Text),
    Column("history", JSON, nullable=False),
    Column("fields", JSON, nullable=False),
    Column("meta", JSON, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("imported_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "source", "external_id"),
    Index("ix_work_items_workspace_id_owner_external_id", "workspace_id", "owner_external_id"),
)

# Hygiene rules: data, as a YAML file or the form defines them (worktools/rules.py).
work_rules = Table(
    "work_rules",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(50), nullable=False),
    # Item types the rule applies to; empty: every type.
    Column("item_types", JSON, nullable=False),
    # Field names (required_fields) or customer keys (duplicate_customers).
    Column("fields", JSON, nullable=False),
    Column("params", JSON, nullable=False),
    # What one breach costs an item's score (0 to 1).
    Column("weight", Float, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "name"),
)

# A rule broken by an item, since when; closed (resolved_at) when it no longer is.
work_violations = Table(
    "work_violations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("rule_id", Id, ForeignKey("work_rules.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", Id, ForeignKey("work_items.id", ondelete="CASCADE"), nullable=False),
    Column("since", DateTime, nullable=False),
    Column("found_at", DateTime, nullable=False),
    Column("resolved_at", DateTime),
    Column("details", JSON, nullable=False),
    Index("ix_work_violations_item_id", "item_id"),
    Index("ix_work_violations_workspace_id_resolved_at", "workspace_id", "resolved_at"),
)
