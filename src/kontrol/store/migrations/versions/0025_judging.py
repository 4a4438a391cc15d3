"""criteria answered by a language model

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07

A workspace's OpenAI-compatible endpoint, the criteria that ask it, their
answers (the cache by content hash) and the requests counted per day.
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
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

judging_endpoints = sa.Table(
    "judging_endpoints",
    _metadata,
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("base_url", sa.String(500), nullable=False),
    sa.Column("model", sa.String(200), nullable=False),
    sa.Column("api_key", sa.Text, nullable=False),
    sa.Column("mask_personal_data", sa.Boolean, nullable=False),
    sa.Column("daily_budget", sa.Integer, nullable=False),
    sa.Column("timeout_seconds", sa.Float, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("updated_by", _ID, sa.ForeignKey("users.id", ondelete="SET NULL")),
)

judging_criteria = sa.Table(
    "judging_criteria",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("name", sa.String(60), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("scorecard", sa.String(60)),
    sa.Column("criterion", sa.String(60)),
    sa.Column("shadow", sa.Boolean, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("updated_by", _ID, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.UniqueConstraint("workspace_id", "name"),
)

judging_answers = sa.Table(
    "judging_answers",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "interaction_id",
        _ID,
        sa.ForeignKey("interactions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column(
        "criterion_id",
        _ID,
        sa.ForeignKey("judging_criteria.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("criterion_version", sa.Integer, nullable=False),
    sa.Column("model", sa.String(200), nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("verdict", sa.String(4)),
    sa.Column("reason", sa.Text),
    sa.Column("quote", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("interaction_id", "criterion_id"),
    sa.Index("ix_judging_answers_ws_hash", "workspace_id", "content_hash"),
)

judging_usage = sa.Table(
    "judging_usage",
    _metadata,
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("requests", sa.Integer, nullable=False),
)


def upgrade() -> None:
    for table in (judging_endpoints, judging_criteria, judging_answers, judging_usage):
        table.create(op.get_bind())


def downgrade() -> None:
    for table in (judging_usage, judging_answers, judging_criteria, judging_endpoints):
        table.drop(op.get_bind())
