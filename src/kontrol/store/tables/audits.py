"""Service audits: versioned templates, audits, answers and uploaded evidence."""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from kontrol.store.tables.schema import Id, metadata

audit_templates = Table(
    "audit_templates",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(60), nullable=False),
    # Every edit is a new version; an audit points at the version it was run with.
    Column("version", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("language", String(10)),
    Column("yaml", Text, nullable=False),
    # Only the newest version is offered for new audits.
    Column("is_active", Boolean, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", Id, ForeignKey("users.id", ondelete="SET NULL")),
    UniqueConstraint("workspace_id", "name", "version"),
)

audits = Table(
    "audits",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("template_id", Id, ForeignKey("audit_templates.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(200), nullable=False),
    # company, team, place or channel, and which one.
    Column("scope_kind", String(10), nullable=False),
    Column("scope_value", String(200), nullable=False),
    # The period the measured figures cover, and when the audit is held.
    Column("period_from", Date, nullable=False),
    Column("period_to", Date, nullable=False),
    Column("held_on", Date, nullable=False),
    # [user id, ...] of the people answering, and the competitor names compared.
    Column("auditors", JSON, nullable=False),
    Column("competitors", JSON, nullable=False),
    # draft, completed
    Column("status", String(10), nullable=False),
    Column("score", Float),
    Column("completed_at", DateTime),
    Column("created_by", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("created_at", DateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_audits_ws_template", "workspace_id", "template_id"),
)

audit_answers = Table(
    "audit_answers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("audit_id", Id, ForeignKey("audits.id", ondelete="CASCADE"), nullable=False),
    Column("item_key", String(60), nullable=False),
    # '' for our own service; a competitor's name in the competitor area.
    Column("subject", String(100), nullable=False),
    # yes / partly / no, 1-5, a number, or na; null while unanswered.
    Column("answer", String(20)),
    Column("value", Float),
    Column("comment", Text),
    # [interaction id, ...] linked as evidence.
    Column("interactions", JSON, nullable=False),
    # The figure Kontrol measured: {"value": x, "unit": "...", "link": "...", "detail": "..."}.
    Column("measured", JSON),
    # The auditor changed the measured figure.
    Column("overridden", Boolean, nullable=False),
    Column("answered_by", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("answered_at", DateTime),
    UniqueConstraint("audit_id", "item_key", "subject"),
)

audit_evidence = Table(
    "audit_evidence",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("audit_id", Id, ForeignKey("audits.id", ondelete="CASCADE"), nullable=False),
    Column("item_key", String(60), nullable=False),
    Column("subject", String(100), nullable=False),
    # The sanitised name shown and offered on download.
    Column("filename", String(200), nullable=False),
    # Sniffed from the bytes, never taken from the upload.
    Column("content_type", String(60), nullable=False),
    Column("size", Integer, nullable=False),
    # Where the bytes are, relative to the evidence folder (random, never the name).
    Column("storage_key", String(200), nullable=False, unique=True),
    Column("uploaded_by", Id, ForeignKey("users.id", ondelete="SET NULL")),
    Column("uploaded_at", DateTime, nullable=False),
    Index("ix_audit_evidence_audit", "audit_id"),
)
