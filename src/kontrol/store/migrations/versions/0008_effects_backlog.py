"""effects backlog

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25

Records the ingest API stored whose scoring, KPI facts, alerts and routing are
still to run (ingest/effects_backlog.py).
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# The table as it was at this revision, frozen here: a migration never imports
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
# Referred to by its key only: never created here.
sa.Table("workspaces", _metadata, sa.Column("id", _ID, primary_key=True))

# Stored records whose effects (scoring, KPI facts, alerts, routing) are still to
# run: written in the transaction that stores them, deleted once they have run
# (ingest/effects_backlog.py; migration 0008).
effects_backlog = sa.Table(
    "effects_backlog",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    # interaction, survey (the id of the interaction it rates) or order
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("record_id", _ID, nullable=False),
    sa.Column("queued_at", sa.DateTime, nullable=False),
    # Who works on it and until when (a killed drainer's claim runs out).
    sa.Column("claimed_by", sa.String(100)),
    sa.Column("claimed_until", sa.DateTime),
)


def upgrade() -> None:
    effects_backlog.create(op.get_bind())


def downgrade() -> None:
    effects_backlog.drop(op.get_bind())
