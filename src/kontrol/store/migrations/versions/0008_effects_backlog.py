"""effects backlog

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25

Records the ingest API stored whose scoring, KPI facts, alerts and routing are
still to run (ingest/effects_backlog.py).
"""

from alembic import op

from kontrol.store.tables import effects_backlog

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    effects_backlog.create(op.get_bind())


def downgrade() -> None:
    effects_backlog.drop(op.get_bind())
