"""review workflow

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25

Review queues and routing rules, the items waiting in them, manual evaluations
(new columns of ``evaluations``: status, reviewer, comment, version...),
disputes, corrective tasks, the review history and calibration sessions.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# The tables as they were at this revision, frozen here: a migration never imports
# today's table definitions, which move on while this revision must not.
_metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
# The tables referred to, by their key only: never created here.
for _name in ("workspaces", "users", "interactions", "scorecards", "evaluations"):
    sa.Table(_name, _metadata, sa.Column("id", _ID, primary_key=True))

review_queues = sa.Table(
    "review_queues",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("workspace_id", "name"),
)

# Routing rules are data: a kind (csat_low, nps_low, critical_failed, complaint,
# random_sample, handle_time_p95, repeat_contact, ...) with its parameters.
review_rules = sa.Table(
    "review_rules",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("params", sa.JSON, nullable=False),
    # Higher first in the queue.
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column(
        "queue_id", _ID, sa.ForeignKey("review_queues.id", ondelete="CASCADE"), nullable=False
    ),
    # The review is due this many hours after the item enters the queue.
    sa.Column("due_hours", sa.Integer, nullable=False),
    sa.Column("is_active", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.UniqueConstraint("workspace_id", "name"),
)

# One interaction waiting in (or done from) one queue.
review_items = sa.Table(
    "review_items",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "queue_id", _ID, sa.ForeignKey("review_queues.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "interaction_id", _ID, sa.ForeignKey("interactions.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("rule_id", _ID, sa.ForeignKey("review_rules.id", ondelete="SET NULL")),
    # Why it is here, in words a reviewer reads ("CSAT 1", "failed critical check ...").
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("due_at", sa.DateTime),
    # open, done, skipped
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("assignee_id", _ID, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("assigned_at", sa.DateTime),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("completed_at", sa.DateTime),
    sa.Column("evaluation_id", _ID, sa.ForeignKey("evaluations.id", ondelete="SET NULL")),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.UniqueConstraint("queue_id", "interaction_id"),
    sa.Index("ix_review_items_ws_status_assignee", "workspace_id", "status", "assignee_id"),
    sa.Index("ix_review_items_interaction", "interaction_id"),
)

# An agent's dispute of an evaluation, whole (criterion null) or of one criterion.
disputes = sa.Table(
    "disputes",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "evaluation_id", _ID, sa.ForeignKey("evaluations.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("criterion", sa.String(80)),
    sa.Column("reason", sa.Text, nullable=False),
    # open, upheld (the evaluation stands), changed (the score was changed), withdrawn
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("raised_by", _ID, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("raised_at", sa.DateTime, nullable=False),
    sa.Column("resolved_by", _ID, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("resolved_at", sa.DateTime),
    sa.Column("resolution", sa.Text),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Index("ix_disputes_ws_status", "workspace_id", "status"),
    sa.Index("ix_disputes_evaluation", "evaluation_id"),
)

# Corrective tasks: call the customer back, correct the information, coaching...
corrective_tasks = sa.Table(
    "corrective_tasks",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    # callback, correction, coaching, training, other
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("details", sa.Text),
    sa.Column("agent_external_id", sa.String(200)),
    sa.Column("interaction_id", _ID, sa.ForeignKey("interactions.id", ondelete="SET NULL")),
    sa.Column("evaluation_id", _ID, sa.ForeignKey("evaluations.id", ondelete="SET NULL")),
    sa.Column("owner_id", _ID, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("due_at", sa.DateTime),
    # open, in_progress, done, cancelled
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("outcome", sa.Text),
    sa.Column("created_by", _ID, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("done_at", sa.DateTime),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Index("ix_corrective_tasks_ws_status", "workspace_id", "status"),
    sa.Index("ix_corrective_tasks_agent", "workspace_id", "agent_external_id"),
)

# The history of the review workflow: who did what to which thing, and when.
review_events = sa.Table(
    "review_events",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    # evaluation, dispute, task, item, rule, calibration
    sa.Column("subject", sa.String(20), nullable=False),
    sa.Column("subject_id", _ID, nullable=False),
    sa.Column("actor_id", _ID, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("details", sa.JSON),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Index("ix_review_events_subject", "workspace_id", "subject", "subject_id"),
)

calibration_sessions = sa.Table(
    "calibration_sessions",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column(
        "scorecard_id", _ID, sa.ForeignKey("scorecards.id", ondelete="CASCADE"), nullable=False
    ),
    # open, closed
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("deadline", sa.DateTime),
    sa.Column("created_by", _ID, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("closed_at", sa.DateTime),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
)

calibration_participants = sa.Table(
    "calibration_participants",
    _metadata,
    sa.Column(
        "session_id",
        _ID,
        sa.ForeignKey("calibration_sessions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("user_id", _ID, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

# One interaction of a session, with the agreed reference score once recorded.
calibration_items = sa.Table(
    "calibration_items",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "session_id",
        _ID,
        sa.ForeignKey("calibration_sessions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column(
        "interaction_id", _ID, sa.ForeignKey("interactions.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("reference_items", sa.JSON),
    sa.Column("reference_score", sa.Float),
    sa.Column("reference_by", _ID, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("reference_at", sa.DateTime),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.UniqueConstraint("session_id", "interaction_id"),
)

# A participant's blind score of one calibration item.
calibration_scores = sa.Table(
    "calibration_scores",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "item_id", _ID, sa.ForeignKey("calibration_items.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("user_id", _ID, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("items", sa.JSON, nullable=False),
    sa.Column("score", sa.Float),
    sa.Column("comment", sa.Text),
    sa.Column("submitted_at", sa.DateTime),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.UniqueConstraint("item_id", "user_id"),
)

NEW_TABLES = (
    review_queues,
    review_rules,
    review_items,
    disputes,
    corrective_tasks,
    review_events,
    calibration_sessions,
    calibration_participants,
    calibration_items,
    calibration_scores,
)


def upgrade() -> None:
    with op.batch_alter_table("evaluations") as batch:
        batch.add_column(
            sa.Column("status", sa.String(12), nullable=False, server_default="submitted")
        )
        batch.add_column(sa.Column("reviewer_id", _ID, nullable=True))
        batch.add_column(sa.Column("comment", sa.Text(), nullable=True))
        batch.add_column(sa.Column("auto_evaluation_id", _ID, nullable=True))
        batch.add_column(sa.Column("review_item_id", _ID, nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("acknowledged_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("acknowledged_by", _ID, nullable=True))
        batch.create_foreign_key(
            "fk_evaluations_reviewer_id_users",
            "users",
            ["reviewer_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_foreign_key(
            "fk_evaluations_auto_evaluation_id_evaluations",
            "evaluations",
            ["auto_evaluation_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_foreign_key(
            "fk_evaluations_acknowledged_by_users",
            "users",
            ["acknowledged_by"],
            ["id"],
            ondelete="SET NULL",
        )
    bind = op.get_bind()
    for table in NEW_TABLES:
        table.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(NEW_TABLES):
        table.drop(bind)
    with op.batch_alter_table("evaluations") as batch:
        batch.drop_constraint("fk_evaluations_acknowledged_by_users", type_="foreignkey")
        batch.drop_constraint("fk_evaluations_auto_evaluation_id_evaluations", type_="foreignkey")
        batch.drop_constraint("fk_evaluations_reviewer_id_users", type_="foreignkey")
        for name in (
            "acknowledged_by",
            "acknowledged_at",
            "updated_at",
            "version",
            "review_item_id",
            "auto_evaluation_id",
            "comment",
            "reviewer_id",
            "status",
        ):
            batch.drop_column(name)
