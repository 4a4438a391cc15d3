"""speech: recordings, retention policies, deletion log

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

Call recordings with their audio figures and recognition state, retention
policies per workspace and the log of what retention and "forget this
customer" deleted (speech/; docs/speech.md, docs/privacy.md).
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
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
# Referred to by their keys only: never created here.
sa.Table("workspaces", _metadata, sa.Column("id", _ID, primary_key=True))
sa.Table("interactions", _metadata, sa.Column("id", _ID, primary_key=True))

speech_recordings = sa.Table(
    "speech_recordings",
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
    sa.Column("path", sa.Text),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("channels", sa.SmallInteger, nullable=False),
    sa.Column("duration_s", sa.Float, nullable=False),
    sa.Column("figures", sa.JSON),
    sa.Column("analysed_at", sa.DateTime),
    sa.Column("recognition", sa.String(12), nullable=False),
    sa.Column("recogniser", sa.String(50)),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("recognised_at", sa.DateTime),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("interaction_id"),
    sa.Index("ix_speech_recordings_ws_sha", "workspace_id", "sha256"),
    sa.Index("ix_speech_recordings_ws_recognised", "workspace_id", "recognised_at"),
)

retention_policies = sa.Table(
    "retention_policies",
    _metadata,
    sa.Column(
        "workspace_id",
        _ID,
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("recordings_days", sa.Integer),
    sa.Column("transcripts_days", sa.Integer),
    sa.Column("interactions_days", sa.Integer),
    sa.Column("customers_days", sa.Integer),
    sa.Column("keep_originals", sa.Boolean, nullable=False),
    sa.Column("updated_by", sa.String(100), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

deletion_log = sa.Table(
    "deletion_log",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("reason", sa.String(12), nullable=False),
    sa.Column("what", sa.String(20), nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("customer_hash", sa.String(64)),
    sa.Column("requested_by", sa.String(100), nullable=False),
    sa.Index("ix_deletion_log_ws_at", "workspace_id", "at"),
)

_TABLES = (speech_recordings, retention_policies, deletion_log)


def upgrade() -> None:
    bind = op.get_bind()
    for table in _TABLES:
        table.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(_TABLES):
        table.drop(bind)
