"""a hired candidate's agent id

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07

A hired candidate is linked to the agent they became, so their interview
ratings join that agent's competency profile (the third source beside QA
criteria and test answers).
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_candidates") as batch:
        batch.add_column(sa.Column("agent_external_id", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_candidates") as batch:
        batch.drop_column("agent_external_id")
