"""Automatic checks: scorecards, evaluations, outcomes, signals, phrase lists, custom checks."""

from sqlalchemy import (
    JSON,
    Boolean,
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

scorecards = Table(
    "scorecards",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(60), nullable=False),
    # Every edit is a new version; evaluations point at the version they used.
    Column("version", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("language", String(10)),
    Column("yaml", Text, nullable=False),
    # Only the newest version of an active scorecard scores new interactions.
    Column("is_active", Boolean, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", Id, ForeignKey("users.id", ondelete="SET NULL")),
    UniqueConstraint("workspace_id", "name", "version"),
)

evaluations = Table(
    "evaluations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("interaction_id", Id, ForeignKey("interactions.id", ondelete="CASCADE"), nullable=False),
    Column("scorecard_id", Id, ForeignKey("scorecards.id", ondelete="CASCADE"), nullable=False),
    # 'auto' (the checks); the review workflow adds 'manual'.
    Column("kind", String(10), nullable=False),
    Column("score", Float),
    Column("passed", Boolean),
    # [{"criterion": id, "check": id|null, "result": "pass|fail|na|1-5"|null, "fraction": x|null}]
    Column("items", JSON, nullable=False),
    Column("created_at", DateTime, nullable=False),
    # -- the review workflow (migration 0007) --
    # 'submitted' counts in the KPIs; a reviewer's unfinished 'draft' does not.
    Column("status", String(12), nullable=False, server_default="submitted"),
    # Who scored it (manual evaluations); null for the checks.
    Column("reviewer_id", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("comment", Text),
    # The automatic evaluation shown beside this manual one when it was scored.
    Column("auto_evaluation_id", Id, ForeignKey("evaluations.id", ondelete="SET NULL")),
    # review_items.id; no foreign key, as review_items refers to evaluations.
    Column("review_item_id", Id),
    # Optimistic concurrency: every save names the version it edited.
    Column("version", Integer, nullable=False, server_default="1"),
    Column("updated_at", DateTime),
    # The evaluated agent's answer: acknowledged (and when), or a dispute (see disputes).
    Column("acknowledged_at", DateTime),
    Column("acknowledged_by", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Index("ix_evaluations_interaction_kind", "interaction_id", "kind"),
    Index("ix_evaluations_ws_kind_score", "workspace_id", "kind", "score"),
    Index("ix_evaluations_scorecard", "scorecard_id"),
)

check_outcomes = Table(
    "check_outcomes",
    metadata,
    Column(
        "interaction_id", Id, ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    # {check_id: {"result": "pass|fail|na", "evidence": [...]}}: one row per interaction,
    # read whole by the interaction page.
    Column("verdicts", JSON, nullable=False),
)

check_failures = Table(
    "check_failures",
    metadata,
    Column(
        "interaction_id", Id, ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("check_id", String(60), primary_key=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    # Only failed checks get a row (a few per interaction): the "failed check" filter.
    Index("ix_check_failures_ws_check", "workspace_id", "check_id"),
)

interaction_signals = Table(
    "interaction_signals",
    metadata,
    Column(
        "interaction_id", Id, ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("language", String(10), nullable=False),
    Column("complaint", Boolean, nullable=False),
    # NULL: scored before the signal existed (migration 0024).
    Column("dissatisfied", Boolean),
    Column("sentiment_start", Float),
    Column("sentiment_end", Float),
    Column("talk_ratio", Float),
    Column("silence_ratio", Float),
    Column("overlaps", Integer),
    # Kinds of personal data found, comma-separated and sorted ("card,phone").
    Column("pii", String(100), nullable=False),
    Column("scored_at", DateTime, nullable=False),
    Index("ix_interaction_signals_ws_complaint", "workspace_id", "complaint"),
)

phrase_overrides = Table(
    "phrase_overrides",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("language", String(10), nullable=False),
    Column("list_name", String(60), nullable=False),
    # 'extend' adds to the built-in list, 'replace' swaps it.
    Column("mode", String(10), nullable=False),
    Column("phrases", Text, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "language", "list_name"),
)

custom_checks = Table(
    "custom_checks",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("check_id", String(60), nullable=False),
    Column("yaml", Text, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "check_id"),
)
