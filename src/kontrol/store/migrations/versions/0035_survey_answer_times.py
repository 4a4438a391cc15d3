"""when each survey scale was answered

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07

A survey row merges answers that arrive apart (a CSAT, then a CES a day
later) and keeps the latest ``at``. ``csat_at``, ``nps_at`` and ``ces_at`` keep
when each scale was answered, so a rule on a low CSAT fires for that answer
and not again when the CES comes. Stored answers are taken as answered at the
survey's ``at``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

SCALES = ("csat", "nps", "ces")


def upgrade() -> None:
    with op.batch_alter_table("surveys") as batch:
        for scale in SCALES:
            batch.add_column(sa.Column(f"{scale}_at", sa.DateTime(), nullable=True))
    surveys = sa.table(
        "surveys",
        sa.column("at", sa.DateTime()),
        *(sa.column(scale, sa.SmallInteger()) for scale in SCALES),
        *(sa.column(f"{scale}_at", sa.DateTime()) for scale in SCALES),
    )
    for scale in SCALES:
        op.execute(
            surveys.update()
            .where(surveys.c[scale].is_not(None))
            .values({f"{scale}_at": surveys.c.at})
        )


def downgrade() -> None:
    with op.batch_alter_table("surveys") as batch:
        for scale in SCALES:
            batch.drop_column(f"{scale}_at")
