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

from kontrol.store.tables import (
    calibration_items,
    calibration_participants,
    calibration_scores,
    calibration_sessions,
    corrective_tasks,
    disputes,
    review_events,
    review_items,
    review_queues,
    review_rules,
)

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
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
