"""KPI histograms by one dimension

Revision ID: 0038
Revises: 0035
Create Date: 2026-12-07

``kpi_dimension_buckets``: the time histograms of ``kpi_rollup_buckets`` summed
per day over every group key but one (agent, team, channel, topic, language, or
"all" for none), filled from the histograms already stored. A dashboard's
medians and p90 read a fraction of the rows (one million interactions a month:
about four times fewer for a breakdown by agent, forty for the company).
"""

import sqlalchemy as sa
from alembic import op

revision = "0038"
down_revision = "0035"
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
PERIODS = ("day", "week", "month", "quarter")
DIMENSIONS = ("agent", "team", "channel", "topic", "language")

kpi_dimension_buckets = sa.Table(
    "kpi_dimension_buckets",
    _metadata,
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("week", sa.String(8), nullable=False),
    sa.Column("month", sa.String(7), nullable=False),
    sa.Column("quarter", sa.String(7), nullable=False),
    sa.Column("dimension", sa.String(10), nullable=False),
    sa.Column("value", sa.String(200)),
    sa.Column("measure", sa.String(40), nullable=False),
    sa.Column("bucket", sa.SmallInteger, nullable=False),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Index("ix_kpi_dimension_buckets_dimension_day", "workspace_id", "dimension", "day"),
    sa.Index("ix_kpi_dimension_buckets_value_day", "workspace_id", "dimension", "value", "day"),
)
kpi_rollup_buckets = sa.table(
    "kpi_rollup_buckets",
    sa.column("workspace_id", _ID),
    *(sa.column(name, sa.String()) for name in PERIODS),
    *(sa.column(name, sa.String()) for name in DIMENSIONS),
    sa.column("measure", sa.String()),
    sa.column("bucket", sa.SmallInteger()),
    sa.column("n", sa.Integer()),
)


def upgrade() -> None:
    kpi_dimension_buckets.create(op.get_bind())
    b = kpi_rollup_buckets
    for dimension in ("all", *DIMENSIONS):
        value = (sa.literal(None, sa.String()) if dimension == "all" else b.c[dimension]).label(
            "value"
        )
        keys = [b.c.workspace_id, *(b.c[name] for name in PERIODS)]
        if dimension != "all":
            keys.append(b.c[dimension])
        op.execute(
            kpi_dimension_buckets.insert().from_select(
                ["workspace_id", *PERIODS, "dimension", "value", "measure", "bucket", "n"],
                sa.select(
                    b.c.workspace_id,
                    *(b.c[name] for name in PERIODS),
                    sa.literal(dimension).label("dimension"),
                    value,
                    b.c.measure,
                    b.c.bucket,
                    sa.func.sum(b.c.n),
                ).group_by(*keys, b.c.measure, b.c.bucket),
            )
        )


def downgrade() -> None:
    op.drop_table("kpi_dimension_buckets")
