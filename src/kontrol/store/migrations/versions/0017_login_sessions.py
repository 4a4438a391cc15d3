"""login sessions

Revision ID: 0017
Revises: 0008
Create Date: 2026-12-07

Server-side login sessions (accounts/sessions.py): the cookie carries a token
whose hash is a row here, so logging out or changing a password ends a session
everywhere.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0008"
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


def upgrade() -> None:
    login_sessions.create(op.get_bind())


def downgrade() -> None:
    login_sessions.drop(op.get_bind())
