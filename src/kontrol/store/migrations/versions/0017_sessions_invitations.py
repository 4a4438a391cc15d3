"""login sessions and invitations

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07

Server-side login sessions (accounts/sessions.py): the cookie carries a token
whose hash is a row here, so logging out or changing a password ends a session
everywhere. Invitations (accounts/invitations.py): joining a workspace needs the
person's acceptance.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# The table as it was at this revision, frozen here.
_metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
# Referred to by its key only: never created here.
sa.Table("users", _metadata, sa.Column("id", _ID, primary_key=True))
sa.Table("workspaces", _metadata, sa.Column("id", _ID, primary_key=True))

login_sessions = sa.Table(
    "login_sessions",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("user_id", _ID, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_seen_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Index("ix_login_sessions_user_id", "user_id"),
)

invitations = sa.Table(
    "invitations",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("user_id", _ID, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("agent_external_id", sa.String(200)),
    sa.Column("team", sa.String(200)),
    sa.Column("invited_by", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("new_account", sa.Boolean, nullable=False),
    sa.Column("outcome", sa.String(10)),
    sa.Column("answered_at", sa.DateTime),
    sa.Index("ix_invitations_user_id", "user_id"),
    sa.Index("ix_invitations_workspace_id", "workspace_id"),
)


def upgrade() -> None:
    login_sessions.create(op.get_bind())
    invitations.create(op.get_bind())


def downgrade() -> None:
    invitations.drop(op.get_bind())
    login_sessions.drop(op.get_bind())
