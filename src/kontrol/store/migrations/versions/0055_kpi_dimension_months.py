"""KPI rollups and one-dimension histograms by month

Revision ID: 0055
Revises: 0049
Create Date: 2026-12-07

``kpi_month_rollups``: the daily additive parts of ``kpi_rollups`` summed per
month and group; ``kpi_dimension_months``: the daily one-dimension histograms of
``kpi_dimension_buckets`` summed per month, filled from the rows already stored.
A dashboard over whole months (the admin's month, the 12-month chart) reads a
month's rows instead of its 28-31 days' (a million interactions a month: the
breakdown by agent's histograms sum 4,000 rows instead of 123,000).
"""

import sqlalchemy as sa
from alembic import op

revision = "0055"
down_revision = "0049"
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

kpi_dimension_months = sa.Table(
    "kpi_dimension_months",
    _metadata,
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("month", sa.String(7), nullable=False),
    sa.Column("quarter", sa.String(7), nullable=False),
    sa.Column("dimension", sa.String(10), nullable=False),
    sa.Column("value", sa.String(200)),
    sa.Column("measure", sa.String(40), nullable=False),
    sa.Column("bucket", sa.SmallInteger, nullable=False),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Index("ix_kpi_dimension_months_dimension_month", "workspace_id", "dimension", "month"),
    sa.Index("ix_kpi_dimension_months_value_month", "workspace_id", "dimension", "value", "month"),
)
_GROUP = ("agent", "team", "channel", "topic", "language")
# The rollup columns at this revision.
_PARTS = (
    *(
        f"{metric}_{part}"
        for metric in (
            "frt",
            "frt_business",
            "asa",
            "asa_business",
            "aht",
            "resolution_time",
            "resolution_time_business",
            "csat_avg",
            "ces",
            "qa_score",
        )
        for part in ("sum", "n")
    ),
    *(
        f"{metric}_{part}"
        for metric in (
            "sla",
            "sla_clock",
            "abandonment",
            "csat",
            "nps",
            "survey_rate",
            "fcr",
            "repeat_contact",
            "contacts_per_hour",
            "cost_per_contact",
            "complaints",
            "qa_fail",
        )
        for part in ("num", "den")
    ),
    "contacts",
    "cost_total",
    "data_warnings",
)
kpi_month_rollups = sa.Table(
    "kpi_month_rollups",
    _metadata,
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("month", sa.String(7), nullable=False),
    sa.Column("quarter", sa.String(7), nullable=False),
    sa.Column("agent", sa.String(200)),
    sa.Column("team", sa.String(200)),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("topic", sa.String(200)),
    sa.Column("language", sa.String(10)),
    sa.Column("rows", sa.Integer, nullable=False),
    *(sa.Column(name, sa.Float) for name in _PARTS),
    sa.Index("ix_kpi_month_rollups_ws_month", "workspace_id", "month"),
)
kpi_rollups = sa.table(
    "kpi_rollups",
    sa.column("workspace_id", _ID),
    *(sa.column(name, sa.String()) for name in ("month", "quarter", *_GROUP)),
    sa.column("rows", sa.Integer()),
    *(sa.column(name, sa.Float()) for name in _PARTS),
)
kpi_dimension_buckets = sa.table(
    "kpi_dimension_buckets",
    *(
        sa.column(name, sa.String())
        for name in ("month", "quarter", "dimension", "value", "measure")
    ),
    sa.column("workspace_id", _ID),
    sa.column("bucket", sa.SmallInteger()),
    sa.column("n", sa.Integer()),
)
_KEYS = ("workspace_id", "month", "quarter", "dimension", "value", "measure", "bucket")


def upgrade() -> None:
    kpi_month_rollups.create(op.get_bind())
    r = kpi_rollups
    group = [r.c[name] for name in ("workspace_id", "month", "quarter", *_GROUP)]
    op.execute(
        kpi_month_rollups.insert().from_select(
            ["workspace_id", "month", "quarter", *_GROUP, "rows", *_PARTS],
            sa.select(*group, *(sa.func.sum(r.c[name]) for name in ("rows", *_PARTS))).group_by(
                *group
            ),
        )
    )
    kpi_dimension_months.create(op.get_bind())
    d = kpi_dimension_buckets
    keys = [d.c[name] for name in _KEYS]
    op.execute(
        kpi_dimension_months.insert().from_select(
            [*_KEYS, "n"], sa.select(*keys, sa.func.sum(d.c.n)).group_by(*keys)
        )
    )


def downgrade() -> None:
    op.drop_table("kpi_dimension_months")
    op.drop_table("kpi_month_rollups")
