"""KPI daily rollups

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

The additive parts of every facts metric per (workspace, local day, agent, team,
channel, topic, language), and histograms of the time metrics; filled from the
facts already stored so that an upgraded database reports the same KPIs.
"""

from alembic import op

from kontrol.store.tables import kpi_rollup_buckets, kpi_rollups

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    kpi_rollups.create(bind)
    kpi_rollup_buckets.create(bind)
    from kontrol.metrics.rollups import rebuild_rollups

    rebuild_rollups(bind, None)


def downgrade() -> None:
    bind = op.get_bind()
    kpi_rollup_buckets.drop(bind)
    kpi_rollups.drop(bind)
