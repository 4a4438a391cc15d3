"""The tables. Core, not ORM: imports write tens of thousands of rows a second.

Times are stored as naive UTC datetimes on both SQLite and PostgreSQL so that
comparisons and grouping behave identically; the workspace time zone is
applied when reading input without an offset and when showing times.
"""

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

# BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite.
Id = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

workspaces = Table(
    "workspaces",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("timezone", String(64), nullable=False, default="UTC"),
    Column("created_at", DateTime, nullable=False),
)

app_settings = Table(
    "app_settings",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("locale", String(5), nullable=False, default="ru"),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime, nullable=False),
)

memberships = Table(
    "memberships",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    # admin, qa_lead, reviewer, team_lead, agent
    Column("role", String(20), nullable=False),
    # For agents and team leads: which agent / team of the workspace they are.
    Column("agent_external_id", String(200)),
    Column("team", String(200)),
    UniqueConstraint("user_id", "workspace_id"),
)

agents = Table(
    "agents",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("name", String(200)),
    Column("team", String(200)),
    Column("hired_at", DateTime),
    Column("hourly_cost", Float),
    Column("meta", JSON),
    Column("content_hash", String(64)),
    UniqueConstraint("workspace_id", "external_id"),
)

interactions = Table(
    "interactions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("source", String(100), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("direction", String(10), nullable=False),
    Column("queued_at", DateTime),
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime),
    Column("wrap_seconds", Float),
    Column("status", String(20)),
    Column("case_id", String(200)),
    Column("agent_external_id", String(200)),
    Column("agent_name", String(200)),
    Column("team", String(200)),
    Column("customer_id", String(200)),
    Column("customer_name", String(200)),
    Column("language", String(10)),
    Column("topic", String(200)),
    Column("tags", JSON, nullable=False),
    Column("is_complaint", Boolean, nullable=False),
    Column("cost", Float),
    Column("recording", Text),
    Column("meta", JSON, nullable=False),
    Column("message_count", Integer, nullable=False),
    # sha256 of the canonical record: re-importing an unchanged record is a no-op.
    Column("content_hash", String(64), nullable=False),
    Column("imported_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "source", "external_id"),
    Index("ix_interactions_ws_started", "workspace_id", "started_at", "id"),
    Index("ix_interactions_ws_agent_started", "workspace_id", "agent_external_id", "started_at"),
    Index("ix_interactions_ws_team_started", "workspace_id", "team", "started_at"),
    Index("ix_interactions_ws_channel_started", "workspace_id", "channel", "started_at"),
    Index("ix_interactions_ws_topic_started", "workspace_id", "topic", "started_at"),
    Index("ix_interactions_ws_customer_started", "workspace_id", "customer_id", "started_at"),
    Index("ix_interactions_ws_external_id", "workspace_id", "external_id"),
    Index("ix_interactions_ws_customer_name", "workspace_id", "customer_name"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "interaction_id",
        Id,
        ForeignKey("interactions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("seq", Integer, nullable=False),
    Column("role", String(10), nullable=False),
    Column("text", Text, nullable=False),
    Column("at", DateTime),
    Column("start_s", Float),
    Column("end_s", Float),
    Column("author_id", String(200)),
    Index("ix_messages_interaction_seq", "interaction_id", "seq"),
)

surveys = Table(
    "surveys",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    # Surveys may arrive before their interaction: the external key is kept and
    # the link is made whenever both are present.
    Column("source", String(100), nullable=False),
    Column("interaction_external_id", String(200), nullable=False),
    Column("interaction_id", Id, ForeignKey("interactions.id", ondelete="SET NULL")),
    Column("at", DateTime),
    Column("csat", SmallInteger),
    Column("nps", SmallInteger),
    Column("ces", SmallInteger),
    Column("comment", Text),
    Column("content_hash", String(64), nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "source", "interaction_external_id"),
    Index("ix_surveys_interaction", "interaction_id"),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("source", String(100), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("customer_id", String(200), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("amount", Float, nullable=False),
    Column("meta", JSON, nullable=False),
    Column("content_hash", String(64), nullable=False),
    UniqueConstraint("workspace_id", "source", "external_id"),
    Index("ix_orders_ws_customer_at", "workspace_id", "customer_id", "at"),
)

import_batches = Table(
    "import_batches",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("file", Text, nullable=False),
    Column("importer", String(50), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("imported", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
)

import_rejects = Table(
    "import_rejects",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("batch_id", Id, ForeignKey("import_batches.id", ondelete="CASCADE"), nullable=False),
    Column("file", Text, nullable=False),
    Column("line", Integer, nullable=False),
    Column("field", String(200)),
    Column("error", Text, nullable=False),
    Column("raw", Text, nullable=False),
    Column("record_source", String(100)),
    Column("record_id", String(200)),
    Column("created_at", DateTime, nullable=False),
    Column("resolved_at", DateTime),
    Index("ix_import_rejects_ws_open", "workspace_id", "resolved_at", "id"),
    Index("ix_import_rejects_ws_record", "workspace_id", "record_source", "record_id"),
)

# --- Automatic checks and scorecards (issue: automatic checks) -------------------------

scorecards = Table(
    "scorecards",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(60), nullable=False),
    # Every edit is a new version; evaluations point at the version they used.
    Column("version", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("language", String(10)),
    Column("yaml", Text, nullable=False),
    # Only the newest version of an active scorecard scores new interactions.
    Column("is_active", Boolean, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", Id, ForeignKey("users.id", ondelete="SET NULL")),
    UniqueConstraint("workspace_id", "name", "version"),
)

evaluations = Table(
    "evaluations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("interaction_id", Id, ForeignKey("interactions.id", ondelete="CASCADE"), nullable=False),
    Column("scorecard_id", Id, ForeignKey("scorecards.id", ondelete="CASCADE"), nullable=False),
    # 'auto' (the checks); the review workflow adds 'manual'.
    Column("kind", String(10), nullable=False),
    Column("score", Float),
    Column("passed", Boolean),
    # [{"criterion": id, "check": id|null, "result": "pass|fail|na|1-5"|null, "fraction": x|null}]
    Column("items", JSON, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_evaluations_interaction_kind", "interaction_id", "kind"),
    Index("ix_evaluations_ws_kind_score", "workspace_id", "kind", "score"),
    Index("ix_evaluations_scorecard", "scorecard_id"),
)

check_outcomes = Table(
    "check_outcomes",
    metadata,
    Column(
        "interaction_id", Id, ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    # {check_id: {"result": "pass|fail|na", "evidence": [...]}}: one row per interaction,
    # read whole by the interaction page.
    Column("verdicts", JSON, nullable=False),
)

check_failures = Table(
    "check_failures",
    metadata,
    Column(
        "interaction_id", Id, ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("check_id", String(60), primary_key=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    # Only failed checks get a row (a few per interaction): the "failed check" filter.
    Index("ix_check_failures_ws_check", "workspace_id", "check_id"),
)

interaction_signals = Table(
    "interaction_signals",
    metadata,
    Column(
        "interaction_id", Id, ForeignKey("interactions.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("language", String(10), nullable=False),
    Column("complaint", Boolean, nullable=False),
    Column("sentiment_start", Float),
    Column("sentiment_end", Float),
    Column("talk_ratio", Float),
    Column("silence_ratio", Float),
    Column("overlaps", Integer),
    # Kinds of personal data found, comma-separated and sorted ("card,phone").
    Column("pii", String(100), nullable=False),
    Column("scored_at", DateTime, nullable=False),
    Index("ix_interaction_signals_ws_complaint", "workspace_id", "complaint"),
)

phrase_overrides = Table(
    "phrase_overrides",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("language", String(10), nullable=False),
    Column("list_name", String(60), nullable=False),
    # 'extend' adds to the built-in list, 'replace' swaps it.
    Column("mode", String(10), nullable=False),
    Column("phrases", Text, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "language", "list_name"),
)

custom_checks = Table(
    "custom_checks",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("check_id", String(60), nullable=False),
    Column("yaml", Text, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "check_id"),
)
