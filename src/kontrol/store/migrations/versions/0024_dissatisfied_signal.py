"""the dissatisfied signal (CHECKS.md v1.1)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07

Whether the customer expressed dissatisfaction with the product, the service or its
handling, stored with the other signals of an interaction. Rows scored before this
revision hold NULL (not measured) until they are scored again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interaction_signals") as batch:
        batch.add_column(sa.Column("dissatisfied", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interaction_signals") as batch:
        batch.drop_column("dissatisfied")
