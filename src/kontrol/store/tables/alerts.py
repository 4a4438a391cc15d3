"""Alert rules, the alerts they raise and their deliveries."""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    String,
    Table,
    UniqueConstraint,
)

from kontrol.store.tables.schema import Id, metadata

alert_rules = Table(
    "alert_rules",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    # A rule Kontrol wrote (the demo's): the catalogue entry of its name, shown in the
    # reader's language; ``name`` keeps the Russian. None: the name as a person wrote it.
    Column("name_key", String(100)),
    # A kind registered in alerts/registry.py (csat_at_most, complaint, ...).
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
