"""KPI daily rollups

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

The additive parts of every facts metric per (workspace, local day, agent, team,
channel, topic, language), and histograms of the time metrics; filled from the
facts already stored so that an upgraded database reports the same KPIs.

Frozen: the tables, the metrics' additive parts and the buckets are written out
here as they were at this revision, not imported from the application, whose
definitions move on while this revision must not.
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

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

# Names: <metric>_sum/_n (means and time metrics), <metric>_num/_den (ratios),
# <metric> (counts).
ROLLUP_PARTS = (
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
        )
        for part in ("num", "den")
    ),
    "contacts",
    "cost_total",
    "data_warnings",
)
KEYS = ("day", "week", "month", "quarter", "agent", "team", "channel", "topic", "language")


def _rollup_keys() -> list[sa.Column[Any]]:
    return [
        sa.Column(
            "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("quarter", sa.String(7), nullable=False),
        sa.Column("agent", sa.String(200)),
        sa.Column("team", sa.String(200)),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("topic", sa.String(200)),
        sa.Column("language", sa.String(10)),
    ]


kpi_rollups = sa.Table(
    "kpi_rollups",
    _metadata,
    *_rollup_keys(),
    sa.Column("rows", sa.Integer, nullable=False),
    *(sa.Column(name, sa.Float) for name in ROLLUP_PARTS),
    sa.Index("ix_kpi_rollups_ws_day", "workspace_id", "day"),
)

kpi_rollup_buckets = sa.Table(
    "kpi_rollup_buckets",
    _metadata,
    *_rollup_keys(),
    sa.Column("measure", sa.String(40), nullable=False),
    sa.Column("bucket", sa.SmallInteger, nullable=False),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Index("ix_kpi_rollup_buckets_ws_day", "workspace_id", "day"),
)

# The columns of the facts this revision reads (migration 0003 created them).
_facts = sa.table(
    "interaction_facts",
    sa.column("workspace_id", _ID),
    *(sa.column(name, sa.String()) for name in KEYS),
    *(
        sa.column(name, sa.Boolean())
        for name in (
            "inbound",
            "handled",
            "abandoned",
            "sla_met",
            "sla_business_met",
            "fcr",
            "repeat_contact",
            "complaint",
            "surveyed",
            "dq_backwards",
        )
    ),
    *(
        sa.column(name, sa.Float())
        for name in (
            "frt_s",
            "frt_business_s",
            "asa_s",
            "asa_business_s",
            "aht_s",
            "resolution_s",
            "resolution_business_s",
            "cost",
        )
    ),
    *(sa.column(name, sa.SmallInteger()) for name in ("csat", "nps", "ces")),
)

# The time metrics' columns, and their histogram buckets: bucket 0 is [0, 1 s),
# bucket k (1..112) is [G**(k-1), G**k) with G = 10**(1/16), bucket 113 is 10**7 s up.
TIME_COLUMNS = (
    "aht_s",
    "asa_business_s",
    "asa_s",
    "frt_business_s",
    "frt_s",
    "resolution_business_s",
    "resolution_s",
)
BOUNDS = tuple(10 ** (k / 16) for k in range(16 * 7 + 1))
LAST_BUCKET = len(BOUNDS)


def _bucket(value: Any, low: int, high: int) -> Any:
    """The bucket of ``value`` known to lie in buckets low..high: a binary search."""
    if low == high:
        return sa.literal(low)
    middle = (low + high + 1) // 2
    return sa.case(
        (value < BOUNDS[middle - 1], _bucket(value, low, middle - 1)),
        else_=_bucket(value, middle, high),
    )


def _count_where(condition: Any) -> Any:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def _parts() -> dict[str, Any]:
    """Each rollup column's aggregate over the facts, as the metrics defined it then."""
    c = _facts.c
    handled = c.handled.is_(True)
    queue = sa.and_(c.inbound.is_(True), c.channel.in_(("call", "chat")))
    found: dict[str, Any] = {}
    for metric, column in (
        ("frt", "frt_s"),
        ("frt_business", "frt_business_s"),
        ("asa", "asa_s"),
        ("asa_business", "asa_business_s"),
        ("aht", "aht_s"),
        ("resolution_time", "resolution_s"),
        ("resolution_time_business", "resolution_business_s"),
        ("csat_avg", "csat"),
        ("ces", "ces"),
    ):
        found[f"{metric}_sum"] = sa.func.sum(c[column])
        found[f"{metric}_n"] = sa.func.count(c[column])
    for metric, column in (
        ("sla", "sla_business_met"),
        ("sla_clock", "sla_met"),
        ("fcr", "fcr"),
        ("repeat_contact", "repeat_contact"),
    ):
        found[f"{metric}_num"] = _count_where(c[column].is_(True))
        found[f"{metric}_den"] = sa.func.count(c[column])
    found["abandonment_num"] = _count_where(sa.and_(queue, c.abandoned.is_(True)))
    found["abandonment_den"] = _count_where(queue)
    found["csat_num"] = _count_where(c.csat >= 4)
    found["csat_den"] = sa.func.count(c.csat)
    found["nps_num"] = _count_where(c.nps >= 9) - _count_where(c.nps <= 6)
    found["nps_den"] = sa.func.count(c.nps)
    found["survey_rate_num"] = _count_where(sa.and_(handled, c.surveyed.is_(True)))
    found["survey_rate_den"] = _count_where(handled)
    found["contacts_per_hour_num"] = sa.func.count(c.aht_s)
    found["contacts_per_hour_den"] = sa.func.sum(c.aht_s) / 3600.0
    found["cost_per_contact_num"] = sa.func.sum(sa.case((handled, c.cost)))
    found["cost_per_contact_den"] = _count_where(sa.and_(handled, c.cost.is_not(None)))
    found["complaints_num"] = _count_where(c.complaint.is_(True))
    found["complaints_den"] = sa.func.count()
    found["contacts"] = _count_where(handled)
    found["cost_total"] = sa.func.sum(sa.case((handled, c.cost)))
    found["data_warnings"] = _count_where(c.dq_backwards.is_(True))
    return found


def _fill(bind: sa.Connection) -> None:
    """Roll up the facts already stored, all workspaces at once."""
    if bind.execute(sa.select(_facts.c.workspace_id).limit(1)).first() is None:
        # A new database: nothing to roll up (building these statements alone took
        # a third of the migrations of every fresh database, ``kontrol score``'s too).
        return
    keys = [_facts.c.workspace_id, *(_facts.c[name] for name in KEYS)]
    parts = _parts()
    values = [sa.func.count().label("rows"), *(parts[name].label(name) for name in ROLLUP_PARTS)]
    bind.execute(
        kpi_rollups.insert().from_select(
            ["workspace_id", *KEYS, "rows", *ROLLUP_PARTS],
            sa.select(*keys, *values).group_by(*keys),
        )
    )
    for column in TIME_COLUMNS:
        value = _facts.c[column]
        bucket = _bucket(value, 0, LAST_BUCKET).label("bucket")
        bind.execute(
            kpi_rollup_buckets.insert().from_select(
                ["workspace_id", *KEYS, "measure", "bucket", "n"],
                sa.select(
                    *keys, sa.literal(column).label("measure"), bucket, sa.func.count().label("n")
                )
                .where(value.is_not(None))
                .group_by(*keys, bucket),
            )
        )


def upgrade() -> None:
    bind = op.get_bind()
    kpi_rollups.create(bind)
    kpi_rollup_buckets.create(bind)
    _fill(bind)


def downgrade() -> None:
    bind = op.get_bind()
    kpi_rollup_buckets.drop(bind)
    kpi_rollups.drop(bind)
