"""The review workflow: queues, routing rules, items, history and calibration sessions."""

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

review_queues = Table(
    "review_queues",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("description", Text),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "name"),
)

# Routing rules are data: a kind (csat_low, nps_low, critical_failed, complaint,
# random_sample, handle_time_p95, repeat_contact, ...) with its parameters.
review_rules = Table(
    "review_rules",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("params", JSON, nullable=False),
    # Higher first in the queue.
    Column("priority", Integer, nullable=False),
    Column("queue_id", Id, ForeignKey("review_queues.id", ondelete="CASCADE"), nullable=False),
    # The review is due this many hours after the item enters the queue.
    Column("due_hours", Integer, nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    UniqueConstraint("workspace_id", "name"),
)

# One interaction waiting in (or done from) one queue.
review_items = Table(
    "review_items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("queue_id", Id, ForeignKey("review_queues.id", ondelete="CASCADE"), nullable=False),
    Column("interaction_id", Id, ForeignKey("interactions.id", ondelete="CASCADE"), nullable=False),
    Column("rule_id", Id, ForeignKey("review_rules.id", ondelete="SET NULL")),
    # Why it is here, in words a reviewer reads ("CSAT 1", "failed critical check ...").
    Column("reason", Text, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("due_at", DateTime),
    # open, done, skipped
    Column("status", String(12), nullable=False),
    Column("assignee_id", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("assigned_at", DateTime),
    Column("created_at", DateTime, nullable=False),
    Column("completed_at", DateTime),
    Column("evaluation_id", Id, ForeignKey("evaluations.id", ondelete="SET NULL")),
    Column("version", Integer, nullable=False, server_default="1"),
    UniqueConstraint("queue_id", "interaction_id"),
    Index("ix_review_items_ws_status_assignee", "workspace_id", "status", "assignee_id"),
    Index("ix_review_items_interaction", "interaction_id"),
)

# The history of the review workflow: who did what to which thing, and when.
review_events = Table(
    "review_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    # evaluation, dispute, task, item, rule, calibration
    Column("subject", String(20), nullable=False),
    Column("subject_id", Id, nullable=False),
    Column("actor_id", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("action", String(40), nullable=False),
    Column("details", JSON),
    Column("at", DateTime, nullable=False),
    Index("ix_review_events_subject", "workspace_id", "subject", "subject_id"),
)

calibration_sessions = Table(
    "calibration_sessions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("scorecard_id", Id, ForeignKey("scorecards.id", ondelete="CASCADE"), nullable=False),
    # open, closed
    Column("status", String(12), nullable=False),
    Column("deadline", DateTime),
    Column("created_by", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("created_at", DateTime, nullable=False),
    Column("closed_at", DateTime),
    Column("version", Integer, nullable=False, server_default="1"),
)

calibration_participants = Table(
    "calibration_participants",
    metadata,
    Column(
        "session_id",
        Id,
        ForeignKey("calibration_sessions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

# One interaction of a session, with the agreed reference score once recorded.
calibration_items = Table(
    "calibration_items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "session_id", Id, ForeignKey("calibration_sessions.id", ondelete="CASCADE"), nullable=False
    ),
    Column("interaction_id", Id, ForeignKey("interactions.id", ondelete="CASCADE"), nullable=False),
    Column("reference_items", JSON),
    Column("reference_score", Float),
    Column("reference_by", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("reference_at", DateTime),
    Column("version", Integer, nullable=False, server_default="1"),
    UniqueConstraint("session_id", "interaction_id"),
)

# A participant's blind score of one calibration item.
calibration_scores = Table(
    "calibration_scores",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("item_id", Id, ForeignKey("calibration_items.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("items", JSON, nullable=False),
    Column("score", Float),
    Column("comment", Text),
    Column("submitted_at", DateTime),
    Column("updated_at", DateTime, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    UniqueConstraint("item_id", "user_id"),
)
