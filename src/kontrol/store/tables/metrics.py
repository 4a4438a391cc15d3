"""KPI inputs and outputs: per-record facts, targets, business-hours calendars, daily rollups."""

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from kontrol.store.tables.schema import Id, metadata

# Carried by the agent and team indexes of the facts on PostgreSQL (migration 0049).
_COVERED_PERIODS = ("week", "month", "quarter")
_COVERED_TIMES = (
    "frt_s",
    "frt_business_s",
    "asa_s",
    "asa_business_s",
    "aht_s",
    "resolution_s",
    "resolution_business_s",
)

# One narrow row per interaction with every per-contact measure a KPI needs,
# computed at import (metrics/facts.py) so that KPIs are plain GROUP BYs.
# Period keys are strings in the workspace time zone: '2026-11-02',
# '2026-W45', '2026-11', '2026-Q4'.
interaction_facts = Table(
    "interaction_facts",
    metadata,
    Column(
        "interaction_id",
        Id,
        ForeignKey("interactions.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("day", String(10), nullable=False),
    Column("week", String(8), nullable=False),
    Column("month", String(7), nullable=False),
    Column("quarter", String(7), nullable=False),
    Column("agent", String(200)),
    Column("team", String(200)),
    Column("channel", String(20), nullable=False),
    Column("topic", String(200)),
    Column("language", String(10)),
    Column("customer_id", String(200)),
    Column("inbound", Boolean, nullable=False),
    Column("handled", Boolean, nullable=False),
    Column("abandoned", Boolean, nullable=False),
    Column("frt_s", Float),
    Column("frt_business_s", Float),
    Column("asa_s", Float),
    Column("asa_business_s", Float),
    Column("aht_s", Float),
    Column("resolution_s", Float),
    Column("resolution_business_s", Float),
    Column("sla_met", Boolean),
    Column("sla_business_met", Boolean),
    Column("fcr", Boolean),
    Column("repeat_contact", Boolean),
    Column("complaint", Boolean, nullable=False),
    Column("cost", Float),
    Column("csat", SmallInteger),
    Column("nps", SmallInteger),
    Column("ces", SmallInteger),
    Column("surveyed", Boolean, nullable=False),
    # Data quality: an agent message earlier than the moment the customer began waiting.
    Column("dq_backwards", Boolean, nullable=False),
    # The counted evaluation (metrics/evaluations.py): its score, and whether it failed
    # (NULL when no evaluation counts; false when it has no score), kept current as
    # evaluations change.
    Column("qa_score", Float),
    Column("qa_failed", Boolean),
    Index("ix_interaction_facts_ws_day", "workspace_id", "day"),
    # PostgreSQL: the exact medians and p90 of an agent's or a team's period read
    # the index alone (migration 0049); SQLite has no INCLUDE and ignores it.
    Index(
        "ix_interaction_facts_ws_agent_day",
        "workspace_id",
        "agent",
        "day",
        postgresql_include=[*_COVERED_PERIODS, "team", *_COVERED_TIMES],
    ),
    Index(
        "ix_interaction_facts_ws_team_day",
        "workspace_id",
        "team",
        "day",
        postgresql_include=[*_COVERED_PERIODS, "agent", *_COVERED_TIMES],
    ),
    Index("ix_interaction_facts_ws_channel_day", "workspace_id", "channel", "day"),
)

# Orders with their local period keys and whether the customer had ordered before.
order_facts = Table(
    "order_facts",
    metadata,
    Column(
        "order_id",
        Id,
        ForeignKey("orders.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("customer_id", String(200), nullable=False),
    Column("day", String(10), nullable=False),
    Column("week", String(8), nullable=False),
    Column("month", String(7), nullable=False),
    Column("quarter", String(7), nullable=False),
    Column("amount", Float, nullable=False),
    Column("repeat", Boolean, nullable=False),
    Index("ix_order_facts_ws_day", "workspace_id", "day"),
)

# A KPI target: the "SMART" goal of the service plan for one metric and scope.
# scope: company, team, agent, channel; scope_value '' for the company.
kpi_targets = Table(
    "kpi_targets",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("metric", String(50), nullable=False),
    Column("scope", String(10), nullable=False),
    Column("scope_value", String(200), nullable=False),
    Column("target", Float, nullable=False),
    Column("warning", Float, nullable=False),
    # higher or lower: which way is better
    Column("direction", String(6), nullable=False),
    Column("owner", String(200), nullable=False),
    # day, week, month, quarter
    Column("period", String(8), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "metric", "scope", "scope_value", "period"),
)

# Working time for SLA and response-time clocks: per team, per channel, or the
# whole workspace (scope 'workspace', scope_value '').
business_calendars = Table(
    "business_calendars",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("scope", String(10), nullable=False),
    Column("scope_value", String(200), nullable=False),
    # ISO weekdays, "1,2,3,4,5" = Monday to Friday
    Column("days", String(20), nullable=False),
    Column("opens", String(5), nullable=False),
    Column("closes", String(5), nullable=False),
    Column("lunch_start", String(5)),
    Column("lunch_end", String(5)),
    Column("holidays", JSON, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "scope", "scope_value"),
)

# Per (workspace, local day, agent, team, channel, topic, language): the additive
# parts of every built-in facts metric, recomputed from interaction_facts whenever
# the facts of a day change. Names: <metric>_num/_den (ratios), <metric>_sum/_n
# (means and time metrics), <metric> (counts).
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


def _rollup_keys() -> list[Column[Any]]:
    return [
        Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
        Column("day", String(10), nullable=False),
        Column("week", String(8), nullable=False),
        Column("month", String(7), nullable=False),
        Column("quarter", String(7), nullable=False),
        Column("agent", String(200)),
        Column("team", String(200)),
        Column("channel", String(20), nullable=False),
        Column("topic", String(200)),
        Column("language", String(10)),
    ]


kpi_rollups = Table(
    "kpi_rollups",
    metadata,
    *_rollup_keys(),
    Column("rows", Integer, nullable=False),
    *(Column(name, Float) for name in ROLLUP_PARTS),
    Index("ix_kpi_rollups_ws_day", "workspace_id", "day"),
)

# The same additive parts summed per month (metrics/month_rollups.py): a report over
# whole months reads a month's row of each group instead of its days' rows.
kpi_month_rollups = Table(
    "kpi_month_rollups",
    metadata,
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("month", String(7), nullable=False),
    Column("quarter", String(7), nullable=False),
    Column("agent", String(200)),
    Column("team", String(200)),
    Column("channel", String(20), nullable=False),
    Column("topic", String(200)),
    Column("language", String(10)),
    Column("rows", Integer, nullable=False),
    *(Column(name, Float) for name in ROLLUP_PARTS),
    Index("ix_kpi_month_rollups_ws_month", "workspace_id", "month"),
)

# Exact medians and p90 of closed date ranges (metrics/percentile_cache.py): per
# workspace, first and last local day, grouping (canonical JSON of by, period and
# filters) and time column, the figures of every group as JSON. Deleted by every
# change of facts whose days overlap the range, in the same transaction.
percentile_cache = Table(
    "percentile_cache",
    metadata,
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("first_day", String(10), nullable=False),
    Column("last_day", String(10), nullable=False),
    Column("grouping", String(1000), nullable=False),
    Column("measure", String(40), nullable=False),
    Column("figures", Text, nullable=False),
    Index(
        "ix_percentile_cache_range",
        "workspace_id",
        "first_day",
        "last_day",
        "grouping",
        "measure",
        unique=True,
    ),
)

# Histograms of the time columns of the facts (frt_s, ...): how many values fell in
# each fixed log-spaced bucket (metrics/rollups.py BOUNDS), per rollup key.
kpi_rollup_buckets = Table(
    "kpi_rollup_buckets",
    metadata,
    *_rollup_keys(),
    Column("measure", String(40), nullable=False),
    Column("bucket", SmallInteger, nullable=False),
    Column("n", Integer, nullable=False),
    Index("ix_kpi_rollup_buckets_ws_day", "workspace_id", "day"),
)

# The same histograms summed over every group key but one (``dimension``: agent,
# team, channel, topic, language, or "all" for none), per day: what a dashboard
# reads for a company, a team or an agent, a fraction of kpi_rollup_buckets'
# rows (metrics/dimension_buckets.py).
kpi_dimension_buckets = Table(
    "kpi_dimension_buckets",
    metadata,
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("day", String(10), nullable=False),
    Column("week", String(8), nullable=False),
    Column("month", String(7), nullable=False),
    Column("quarter", String(7), nullable=False),
    Column("dimension", String(10), nullable=False),
    Column("value", String(200)),
    Column("measure", String(40), nullable=False),
    Column("bucket", SmallInteger, nullable=False),
    Column("n", Integer, nullable=False),
    Index("ix_kpi_dimension_buckets_dimension_day", "workspace_id", "dimension", "day"),
    Index("ix_kpi_dimension_buckets_value_day", "workspace_id", "dimension", "value", "day"),
)

# The same one-dimension histograms summed per month (metrics/dimension_buckets.py): a
# report over whole months reads a month's row instead of its days' (31 times fewer).
kpi_dimension_months = Table(
    "kpi_dimension_months",
    metadata,
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("month", String(7), nullable=False),
    Column("quarter", String(7), nullable=False),
    Column("dimension", String(10), nullable=False),
    Column("value", String(200)),
    Column("measure", String(40), nullable=False),
    Column("bucket", SmallInteger, nullable=False),
    Column("n", Integer, nullable=False),
    Index("ix_kpi_dimension_months_dimension_month", "workspace_id", "dimension", "month"),
    Index("ix_kpi_dimension_months_value_month", "workspace_id", "dimension", "value", "month"),
)

# The heat map's counts (metrics/heat_cells.py): per local day, agent, team ("" for
# none) and channel of the interaction, the conversations (check_id "") and, per automatic
# check, how many of them failed it. A month is tens of thousands of rows at most.
heat_cells = Table(
    "heat_cells",
    metadata,
    Column(
        "workspace_id",
        Id,
        ForeignKey("workspaces.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("day", String(10), primary_key=True),
    Column("agent", String(200), primary_key=True),
    Column("team", String(200), primary_key=True),
    Column("channel", String(20), primary_key=True),
    Column("check_id", String(60), primary_key=True),
    Column("n", Integer, nullable=False),
)
