"""automatic checks and scorecards

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Scorecards (versioned), evaluations (per-criterion items as JSON), check
verdicts with evidence (one row per interaction) and failed checks,
per-interaction signals, workspace phrase-list overrides and custom checks. Generated from store/tables.py and kept identical to it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "custom_checks",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("check_id", sa.String(length=60), nullable=False),
        sa.Column("yaml", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_custom_checks_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_checks")),
        sa.UniqueConstraint(
            "workspace_id", "check_id", name=op.f("uq_custom_checks_workspace_id_check_id")
        ),
    )
    op.create_table(
        "phrase_overrides",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("list_name", sa.String(length=60), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("phrases", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_phrase_overrides_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phrase_overrides")),
        sa.UniqueConstraint(
            "workspace_id",
            "language",
            "list_name",
            name=op.f("uq_phrase_overrides_workspace_id_language_list_name"),
        ),
    )
    op.create_table(
        "scorecards",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=True),
        sa.Column("yaml", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_scorecards_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_scorecards_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scorecards")),
        sa.UniqueConstraint(
            "workspace_id", "name", "version", name=op.f("uq_scorecards_workspace_id_name_version")
        ),
    )
    op.create_table(
        "check_failures",
        sa.Column("interaction_id", ID, nullable=False),
        sa.Column("check_id", sa.String(length=60), nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_check_failures_interaction_id_interactions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_check_failures_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("interaction_id", "check_id", name=op.f("pk_check_failures")),
    )
    op.create_index(
        "ix_check_failures_ws_check", "check_failures", ["workspace_id", "check_id"], unique=False
    )
    op.create_table(
        "check_outcomes",
        sa.Column("interaction_id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("verdicts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_check_outcomes_interaction_id_interactions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_check_outcomes_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("interaction_id", name=op.f("pk_check_outcomes")),
    )
    op.create_table(
        "evaluations",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("interaction_id", ID, nullable=False),
        sa.Column("scorecard_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_evaluations_interaction_id_interactions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["scorecard_id"],
            ["scorecards.id"],
            name=op.f("fk_evaluations_scorecard_id_scorecards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_evaluations_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
    )
    op.create_index(
        "ix_evaluations_interaction_kind", "evaluations", ["interaction_id", "kind"], unique=False
    )
    op.create_index("ix_evaluations_scorecard", "evaluations", ["scorecard_id"], unique=False)
    op.create_index(
        "ix_evaluations_ws_kind_score",
        "evaluations",
        ["workspace_id", "kind", "score"],
        unique=False,
    )
    op.create_table(
        "interaction_signals",
        sa.Column("interaction_id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("complaint", sa.Boolean(), nullable=False),
        sa.Column("sentiment_start", sa.Float(), nullable=True),
        sa.Column("sentiment_end", sa.Float(), nullable=True),
        sa.Column("talk_ratio", sa.Float(), nullable=True),
        sa.Column("silence_ratio", sa.Float(), nullable=True),
        sa.Column("overlaps", sa.Integer(), nullable=True),
        sa.Column("pii", sa.String(length=100), nullable=False),
        sa.Column("scored_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_interaction_signals_interaction_id_interactions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_interaction_signals_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("interaction_id", name=op.f("pk_interaction_signals")),
    )
    op.create_index(
        "ix_interaction_signals_ws_complaint",
        "interaction_signals",
        ["workspace_id", "complaint"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_interaction_signals_ws_complaint", table_name="interaction_signals")
    op.drop_table("interaction_signals")
    op.drop_index("ix_evaluations_ws_kind_score", table_name="evaluations")
    op.drop_index("ix_evaluations_scorecard", table_name="evaluations")
    op.drop_index("ix_evaluations_interaction_kind", table_name="evaluations")
    op.drop_table("evaluations")
    op.drop_table("check_outcomes")
    op.drop_index("ix_check_failures_ws_check", table_name="check_failures")
    op.drop_table("check_failures")
    op.drop_table("scorecards")
    op.drop_table("phrase_overrides")
    op.drop_table("custom_checks")
