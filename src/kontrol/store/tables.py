"""The tables. Core, not ORM: imports write tens of thousands of rows a second.

Times are stored as naive UTC datetimes on both SQLite and PostgreSQL so that
comparisons and grouping behave identically; the workspace time zone is
applied when reading input without an offset and when showing times.
"""

from typing import Any

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

# --- Ingest API and job queue (issue 6: migration 0004) ------------------------

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    # The first characters of the key, shown so people can tell keys apart.
    Column("prefix", String(16), nullable=False),
    # sha256 of the whole key (the key is 256 random bits: no slow hash needed).
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_used_at", DateTime),
    Column("revoked_at", DateTime),
    Index("ix_api_keys_ws_name", "workspace_id", "name"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("api_key_id", Id, ForeignKey("api_keys.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(200), nullable=False),
    # sha256 of method, path and body: the same key with another request is a conflict.
    Column("request_hash", String(64), nullable=False),
    Column("status_code", SmallInteger, nullable=False),
    Column("response", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("api_key_id", "key"),
)

job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    # The workspace the run works for (from its payload), so its admins see it.
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE")),
    Column("payload", JSON, nullable=False),
    # queued, running, done, failed (waiting for its next attempt), dead
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("max_attempts", Integer, nullable=False),
    Column("last_error", Text),
    # An enqueue with the key of an existing run returns that run.
    Column("dedup_key", String(200), unique=True),
    Column("created_at", DateTime, nullable=False),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("started_at", DateTime),
    Column("finished_at", DateTime),
    # Who runs it and until when the claim holds (a killed runner's claim runs out).
    Column("claimed_by", String(100)),
    Column("claimed_until", DateTime),
    Index("ix_job_runs_status_next", "status", "next_attempt_at"),
    Index("ix_job_runs_created", "created_at"),
    Index("ix_job_runs_ws_status", "workspace_id", "status", "id"),
)

# Stored records whose effects (scoring, KPI facts, alerts, routing) are still to
# run: written in the transaction that stores them, deleted once they have run
# (ingest/effects_backlog.py; migration 0008).
effects_backlog = Table(
    "effects_backlog",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    # interaction, survey (the id of the interaction it rates) or order
    Column("kind", String(12), nullable=False),
    Column("record_id", Id, nullable=False),
    Column("queued_at", DateTime, nullable=False),
    # Who works on it and until when (a killed drainer's claim runs out).
    Column("claimed_by", String(100)),
    Column("claimed_until", DateTime),
)

# --- Customer surveys and alerts (issue 6: migration 0005) ---------------------

survey_places = Table(
    "survey_places",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    # A counter, a shop, a team or one agent: where a QR code or a kiosk asks for ratings.
    Column("name", String(200), nullable=False),
    Column("team", String(200)),
    Column("agent_external_id", String(200)),
    # csat, nps or ces
    Column("kind", String(10), nullable=False),
    Column("language", String(5), nullable=False),
    # In the printed QR code; 256 random bits, so places cannot be enumerated.
    Column("public_token", String(64), nullable=False, unique=True),
    # Known only to the tablet at the counter (kiosk mode).
    Column("kiosk_token", String(64), nullable=False, unique=True),
    Column("is_active", Boolean, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "name"),
)

survey_links = Table(
    "survey_links",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column(
        "interaction_id",
        Id,
        ForeignKey("interactions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # sha256 of the random token in the link; the token itself is never stored.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("kind", String(10), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    # Set in the same statement that checks it is still unset: one answer per link.
    Column("used_at", DateTime),
    Index("ix_survey_links_interaction", "interaction_id"),
)

alert_rules = Table(
    "alert_rules",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    # A kind registered in services/alert_kinds (csat_at_most, complaint, ...).
    Column("kind", String(50), nullable=False),
    Column("params", JSON, nullable=False),
    Column("scope_team", String(200)),
    Column("scope_channel", String(20)),
    Column("webhooks", JSON, nullable=False),
    Column("emails", JSON, nullable=False),
    Column("telegram_chats", JSON, nullable=False),
    # HMAC-SHA256 key of this rule's webhook signatures.
    Column("secret", String(100), nullable=False),
    # Language of the notifications (ru, en).
    Column("language", String(5), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "name"),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("rule_id", Id, ForeignKey("alert_rules.id", ondelete="CASCADE"), nullable=False),
    # What the alert is about ("interaction:42", "team:Линия 1") and for which window
    # ("" for once ever, "2026-11-25" for a day): one alert per (rule, subject, window).
    Column("subject", String(200), nullable=False),
    Column("time_window", String(40), nullable=False),
    Column("interaction_id", Id, ForeignKey("interactions.id", ondelete="SET NULL")),
    Column("team", String(200)),
    Column("channel", String(20)),
    Column("details", JSON, nullable=False),
    Column("raised_at", DateTime, nullable=False),
    Column("acknowledged_at", DateTime),
    Column("acknowledged_by", Id, ForeignKey("users.id", ondelete="SET NULL")),
    UniqueConstraint("rule_id", "subject", "time_window"),
    Index("ix_alerts_ws_ack_raised", "workspace_id", "acknowledged_at", "raised_at"),
)

alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("alert_id", Id, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    # webhook, email, telegram
    Column("channel", String(20), nullable=False),
    Column("target", String(500), nullable=False),
    Column("sent_at", DateTime, nullable=False),
    UniqueConstraint("alert_id", "channel", "target"),
)

# -- metrics: per-interaction facts, KPI targets, business-hours calendars ----

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
    Index("ix_interaction_facts_ws_day", "workspace_id", "day"),
    Index("ix_interaction_facts_ws_agent_day", "workspace_id", "agent", "day"),
    Index("ix_interaction_facts_ws_team_day", "workspace_id", "team", "day"),
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
    # -- the review workflow (migration 0007) --
    # 'submitted' counts in the KPIs; a reviewer's unfinished 'draft' does not.
    Column("status", String(12), nullable=False, server_default="submitted"),
    # Who scored it (manual evaluations); null for the checks.
    Column("reviewer_id", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("comment", Text),
    # The automatic evaluation shown beside this manual one when it was scored.
    Column("auto_evaluation_id", Id, ForeignKey("evaluations.id", ondelete="SET NULL")),
    # review_items.id; no foreign key, as review_items refers to evaluations.
    Column("review_item_id", Id),
    # Optimistic concurrency: every save names the version it edited.
    Column("version", Integer, nullable=False, server_default="1"),
    Column("updated_at", DateTime),
    # The evaluated agent's answer: acknowledged (and when), or a dispute (see disputes).
    Column("acknowledged_at", DateTime),
    Column("acknowledged_by", Id, ForeignKey("users.id", ondelete="SET NULL")),
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

# -- KPI daily rollups (metrics/rollups.py) -------------------------------------
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


# -- The review workflow: queues, rules, items, disputes, tasks, calibration ----------

review_queues = Table(
    "review_queues",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("description", Text),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "name"),
)

# Routing rules are data: a kind (csat_low, nps_low, critical_failed, complaint,
# random_sample, handle_time_p95, repeat_contact, ...) with its parameters.
review_rules = Table(
    "review_rules",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("params", JSON, nullable=False),
    # Higher first in the queue.
    Column("priority", Integer, nullable=False),
    Column("queue_id", Id, ForeignKey("review_queues.id", ondelete="CASCADE"), nullable=False),
    # The review is due this many hours after the item enters the queue.
    Column("due_hours", Integer, nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    UniqueConstraint("workspace_id", "name"),
)

# One interaction waiting in (or done from) one queue.
review_items = Table(
    "review_items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("queue_id", Id, ForeignKey("review_queues.id", ondelete="CASCADE"), nullable=False),
    Column("interaction_id", Id, ForeignKey("interactions.id", ondelete="CASCADE"), nullable=False),
    Column("rule_id", Id, ForeignKey("review_rules.id", ondelete="SET NULL")),
    # Why it is here, in words a reviewer reads ("CSAT 1", "failed critical check ...").
    Column("reason", Text, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("due_at", DateTime),
    # open, done, skipped
    Column("status", String(12), nullable=False),
    Column("assignee_id", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("assigned_at", DateTime),
    Column("created_at", DateTime, nullable=False),
    Column("completed_at", DateTime),
    Column("evaluation_id", Id, ForeignKey("evaluations.id", ondelete="SET NULL")),
    Column("version", Integer, nullable=False, server_default="1"),
    UniqueConstraint("queue_id", "interaction_id"),
    Index("ix_review_items_ws_status_assignee", "workspace_id", "status", "assignee_id"),
    Index("ix_review_items_interaction", "interaction_id"),
)

# An agent's dispute of an evaluation, whole (criterion null) or of one criterion.
disputes = Table(
    "disputes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("evaluation_id", Id, ForeignKey("evaluations.id", ondelete="CASCADE"), nullable=False),
    Column("criterion", String(80)),
    Column("reason", Text, nullable=False),
    # open, upheld (the evaluation stands), changed (the score was changed), withdrawn
    Column("status", String(12), nullable=False),
    Column("raised_by", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("raised_at", DateTime, nullable=False),
    Column("resolved_by", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("resolved_at", DateTime),
    Column("resolution", Text),
    Column("version", Integer, nullable=False, server_default="1"),
    Index("ix_disputes_ws_status", "workspace_id", "status"),
    Index("ix_disputes_evaluation", "evaluation_id"),
)

# Corrective tasks: call the customer back, correct the information, coaching...
corrective_tasks = Table(
    "corrective_tasks",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    # callback, correction, coaching, training, other
    Column("kind", String(20), nullable=False),
    Column("title", String(200), nullable=False),
    Column("details", Text),
    Column("agent_external_id", String(200)),
    Column("interaction_id", Id, ForeignKey("interactions.id", ondelete="SET NULL")),
    Column("evaluation_id", Id, ForeignKey("evaluations.id", ondelete="SET NULL")),
    Column("owner_id", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("due_at", DateTime),
    # open, in_progress, done, cancelled
    Column("status", String(12), nullable=False),
    Column("outcome", Text),
    Column("created_by", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("done_at", DateTime),
    Column("version", Integer, nullable=False, server_default="1"),
    Index("ix_corrective_tasks_ws_status", "workspace_id", "status"),
    Index("ix_corrective_tasks_agent", "workspace_id", "agent_external_id"),
)

# The history of the review workflow: who did what to which thing, and when.
review_events = Table(
    "review_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    # evaluation, dispute, task, item, rule, calibration
    Column("subject", String(20), nullable=False),
    Column("subject_id", Id, nullable=False),
    Column("actor_id", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("action", String(40), nullable=False),
    Column("details", JSON),
    Column("at", DateTime, nullable=False),
    Index("ix_review_events_subject", "workspace_id", "subject", "subject_id"),
)

calibration_sessions = Table(
    "calibration_sessions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("scorecard_id", Id, ForeignKey("scorecards.id", ondelete="CASCADE"), nullable=False),
    # open, closed
    Column("status", String(12), nullable=False),
    Column("deadline", DateTime),
    Column("created_by", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("created_at", DateTime, nullable=False),
    Column("closed_at", DateTime),
    Column("version", Integer, nullable=False, server_default="1"),
)

calibration_participants = Table(
    "calibration_participants",
    metadata,
    Column(
        "session_id",
        Id,
        ForeignKey("calibration_sessions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

# One interaction of a session, with the agreed reference score once recorded.
calibration_items = Table(
    "calibration_items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "session_id", Id, ForeignKey("calibration_sessions.id", ondelete="CASCADE"), nullable=False
    ),
    Column("interaction_id", Id, ForeignKey("interactions.id", ondelete="CASCADE"), nullable=False),
    Column("reference_items", JSON),
    Column("reference_score", Float),
    Column("reference_by", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("reference_at", DateTime),
    Column("version", Integer, nullable=False, server_default="1"),
    UniqueConstraint("session_id", "interaction_id"),
)

# A participant's blind score of one calibration item.
calibration_scores = Table(
    "calibration_scores",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("item_id", Id, ForeignKey("calibration_items.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("items", JSON, nullable=False),
    Column("score", Float),
    Column("comment", Text),
    Column("submitted_at", DateTime),
    Column("updated_at", DateTime, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    UniqueConstraint("item_id", "user_id"),
)
