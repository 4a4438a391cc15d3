"""Criteria answered by a language model: the workspace's endpoint, the criteria,
the answers (also the cache by content hash) and the requests counted per day."""

from sqlalchemy import (
    Boolean,
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
    UniqueConstraint,
)

from kontrol.store.tables.schema import Id, metadata

judging_endpoints = Table(
    "judging_endpoints",
    metadata,
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    # An OpenAI-compatible base URL: POST {base_url}/chat/completions.
    Column("base_url", String(500), nullable=False),
    Column("model", String(200), nullable=False),
    # Sent as a bearer token, so it is kept as written (like a webhook's secret) and
    # never shown back in full; empty for a local server that needs none.
    Column("api_key", Text, nullable=False),
    Column("mask_personal_data", Boolean, nullable=False),
    Column("daily_budget", Integer, nullable=False),
    Column("timeout_seconds", Float, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("updated_by", Id, ForeignKey("users.id", ondelete="SET NULL")),
)

judging_criteria = Table(
    "judging_criteria",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(60), nullable=False),
    # Grows when the question changes: cached answers of another version are not reused.
    Column("version", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("question", Text, nullable=False),
    # The scorecard criterion (a manual one) this criterion answers, when attached.
    Column("scorecard", String(60)),
    Column("criterion", String(60)),
    # Shadow: answers are shown, never counted in scores.
    Column("shadow", Boolean, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("updated_by", Id, ForeignKey("users.id", ondelete="SET NULL")),
    UniqueConstraint("workspace_id", "name"),
)

judging_answers = Table(
    "judging_answers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("interaction_id", Id, ForeignKey("interactions.id", ondelete="CASCADE"), nullable=False),
    Column(
        "criterion_id", Id, ForeignKey("judging_criteria.id", ondelete="CASCADE"), nullable=False
    ),
    Column("criterion_version", Integer, nullable=False),
    Column("model", String(200), nullable=False),
    # SHA-256 of what was asked (text sent, question, version, model): the cache key.
    Column("content_hash", String(64), nullable=False),
    # 'answered', 'void' (made-up quote, malformed answer), 'deferred' (over budget).
    Column("state", String(10), nullable=False),
    Column("verdict", String(4)),
    Column("reason", Text),
    Column("quote", Text),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("interaction_id", "criterion_id"),
    Index("ix_judging_answers_ws_hash", "workspace_id", "content_hash"),
)

judging_usage = Table(
    "judging_usage",
    metadata,
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("requests", Integer, nullable=False),
)
