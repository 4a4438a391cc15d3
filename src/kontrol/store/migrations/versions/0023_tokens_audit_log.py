"""personal API tokens and the audit log

Revision ID: 0023
Revises: 0020
Create Date: 2026-12-07

A person's tokens to read /api/v1 without a browser (only their sha256 kept),
and the log of security-relevant actions that workspace admins read.
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0020"
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

personal_tokens = sa.Table(
    "personal_tokens",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column("user_id", _ID, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("prefix", sa.String(16), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("last_used_at", sa.DateTime),
    sa.Column("revoked_at", sa.DateTime),
    sa.Column("revoked_by", sa.String(100)),
    sa.Index("ix_personal_tokens_ws_user", "workspace_id", "user_id"),
)

audit_log = sa.Table(
    "audit_log",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column("workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE")),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("target", sa.String(300), nullable=False),
    sa.Column("details", sa.Text, nullable=False),
    sa.Column("address", sa.String(64)),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Index("ix_audit_log_ws_created", "workspace_id", "created_at"),
)


def upgrade() -> None:
    personal_tokens.create(op.get_bind())
    audit_log.create(op.get_bind())


def downgrade() -> None:
    audit_log.drop(op.get_bind())
    personal_tokens.drop(op.get_bind())
