"""Exact medians and p90 of closed date ranges, cached

Revision ID: 0059
Revises: 0055
Create Date: 2026-12-07

``percentile_cache``: the exact medians and p90 a report computed over a date
range that ended before the workspace's today, per workspace, range, grouping
and time column (metrics/percentile_cache.py). Empty at creation: filled by the
reports that compute them, deleted by every change of facts in the range.
"""

import sqlalchemy as sa
from alembic import op

revision = "0059"
down_revision = "0055"
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
# Referred to by its key only: never created here.
sa.Table("workspaces", _metadata, sa.Column("id", _ID, primary_key=True))

percentile_cache = sa.Table(
    "percentile_cache",
    _metadata,
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("first_day", sa.String(10), nullable=False),
    sa.Column("last_day", sa.String(10), nullable=False),
    sa.Column("grouping", sa.String(1000), nullable=False),
    sa.Column("measure", sa.String(40), nullable=False),
    sa.Column("figures", sa.Text, nullable=False),
    sa.Index(
        "ix_percentile_cache_range",
        "workspace_id",
        "first_day",
        "last_day",
        "grouping",
        "measure",
        unique=True,
    ),
)


def upgrade() -> None:
    percentile_cache.create(op.get_bind())


def downgrade() -> None:
    op.drop_table("percentile_cache")
