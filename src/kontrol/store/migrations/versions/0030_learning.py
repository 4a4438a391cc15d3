"""checks that learn from reviewers

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07

A text model per workspace and scorecard criterion bound to a check (its weights
as JSON, its agreement with reviewers on held-back reviews, the QA lead's switch)
and each model's verdict per interaction.
"""

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# The tables as they were at this revision, frozen here.
_metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
# Referred to by their key only: never created here.
sa.Table("users", _metadata, sa.Column("id", _ID, primary_key=True))
sa.Table("workspaces", _metadata, sa.Column("id", _ID, primary_key=True))
sa.Table("interactions", _metadata, sa.Column("id", _ID, primary_key=True))

learned_models = sa.Table(
    "learned_models",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("scorecard", sa.String(60), nullable=False),
    sa.Column("criterion", sa.String(60), nullable=False),
    sa.Column("check_id", sa.String(60), nullable=False),
    sa.Column("trained_at", sa.DateTime, nullable=False),
    sa.Column("samples", sa.Integer, nullable=False),
    sa.Column("held_back", sa.Integer, nullable=False),
    sa.Column("model_agreed", sa.Integer, nullable=False),
    sa.Column("rule_agreed", sa.Integer, nullable=False),
    sa.Column("model_kappa", sa.Float),
    sa.Column("rule_kappa", sa.Float),
    sa.Column("model", sa.Text, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("switched_at", sa.DateTime),
    sa.Column("switched_by", _ID, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.UniqueConstraint("workspace_id", "scorecard", "criterion"),
)

learned_verdicts = sa.Table(
    "learned_verdicts",
    _metadata,
    sa.Column(
        "interaction_id",
        _ID,
        sa.ForeignKey("interactions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "model_id", _ID, sa.ForeignKey("learned_models.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("verdict", sa.String(4), nullable=False),
    sa.Column("probability", sa.Float, nullable=False),
    sa.Column("margin", sa.Float, nullable=False),
    sa.Column("predicted_at", sa.DateTime, nullable=False),
    sa.Index("ix_learned_verdicts_ws_margin", "workspace_id", "margin"),
)


def upgrade() -> None:
    for table in (learned_models, learned_verdicts):
        table.create(op.get_bind())


def downgrade() -> None:
    for table in (learned_verdicts, learned_models):
        table.drop(op.get_bind())
