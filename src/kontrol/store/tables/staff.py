"""People: competencies, training modules, training rules and assignments."""

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

# What a workspace expects of its people: empathy, product knowledge, literacy...
staff_competencies = Table(
    "staff_competencies",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(60), nullable=False),
    Column("name", String(200), nullable=False),
    Column("description", Text),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "key"),
)

# What measures a competency: a scorecard criterion id, a quiz topic or an
# interview question, by its reference in that source.
staff_competency_links = Table(
    "staff_competency_links",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "competency_id",
        Id,
        ForeignKey("staff_competencies.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # criterion, topic or question
    Column("source", String(12), nullable=False),
    Column("ref", String(120), nullable=False),
    UniqueConstraint("competency_id", "source", "ref"),
)

# A training module of the catalogue: text, a file, a video link or role-play instructions.
staff_modules = Table(
    "staff_modules",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("competency_id", Id, ForeignKey("staff_competencies.id", ondelete="SET NULL")),
    Column("title", String(200), nullable=False),
    # text, file, video or roleplay
    Column("kind", String(10), nullable=False),
    Column("body", Text),
    Column("url", String(500)),
    # The scorecard criterion the module is meant to move (its effect is measured on it).
    Column("criterion", String(80)),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "title"),
)

# A QA lead's rule: below ``threshold`` on ``criterion`` over the last ``window``
# evaluations proposes ``module_id``.
staff_training_rules = Table(
    "staff_training_rules",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("criterion", String(80), nullable=False),
    Column("threshold", Float, nullable=False),
    Column("window", Integer, nullable=False),
    Column("module_id", Id, ForeignKey("staff_modules.id", ondelete="CASCADE"), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "criterion", "module_id"),
)

# A module assigned to an agent, with the criterion whose before/after is measured.
staff_assignments = Table(
    "staff_assignments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("module_id", Id, ForeignKey("staff_modules.id", ondelete="CASCADE"), nullable=False),
    Column("agent_external_id", String(200), nullable=False),
    Column("criterion", String(80)),
    Column("rule_id", Id, ForeignKey("staff_training_rules.id", ondelete="SET NULL")),
    Column("assigned_by", String(100), nullable=False),
    Column("assigned_at", DateTime, nullable=False),
    Column("due_at", DateTime),
    Column("completed_at", DateTime),
    Column("note", Text),
    Index("ix_staff_assignments_agent", "workspace_id", "agent_external_id"),
)
