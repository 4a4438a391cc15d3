"""Customer survey answers, survey places (QR codes, kiosks) and single-use links."""

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from kontrol.store.tables.schema import Id, metadata

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
    # When each scale was answered: the ``at`` of the record that carried it. An
    # answer on one scale (a CES a day later) must not look like a new one on another.
    Column("csat_at", DateTime),
    Column("nps_at", DateTime),
    Column("ces_at", DateTime),
    Column("content_hash", String(64), nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("workspace_id", "source", "interaction_external_id"),
    Index("ix_surveys_interaction", "interaction_id"),
)

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
