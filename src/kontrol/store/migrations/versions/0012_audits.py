"""audits and the improvement plan

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07

Service audits (templates, audits, answers, evidence) and improvement actions
(audits/, improvement/).
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# The tables as they were at this revision, frozen here: a migration never imports
# today's table definitions, which move on while this revision must not.
_metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
# Referred to by their keys only: never created here.
sa.Table("workspaces", _metadata, sa.Column("id", _ID, primary_key=True))
sa.Table("users", _metadata, sa.Column("id", _ID, primary_key=True))
sa.Table("interactions", _metadata, sa.Column("id", _ID, primary_key=True))

improvement_actions = sa.Table(
    "improvement_actions",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("details", sa.Text),
    # Where it came from: audit:<id>:item:<key>, mystery:<id>, dashboard:<metric>, ...
    sa.Column("source", sa.String(200)),
    # The KPI (metric id) or the audit item (template name + item key) it should move.
    sa.Column("metric", sa.String(60)),
    sa.Column("audit_template", sa.String(60)),
    sa.Column("audit_item", sa.String(60)),
    sa.Column("target", sa.Float),
    # higher or lower: which side of the target is good.
    sa.Column("direction", sa.String(6), nullable=False),
    # The figure when the action was made, for "before / after".
    sa.Column("baseline", sa.Float),
    sa.Column("interaction_id", _ID, sa.ForeignKey("interactions.id", ondelete="SET NULL")),
    # Who it is about (agents see the actions about them) and the team.
    sa.Column("agent_external_id", sa.String(200)),
    sa.Column("team", sa.String(200)),
    sa.Column("owner_id", _ID, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("due_on", sa.Date),
    # open, in_progress, done, cancelled
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("created_by", _ID, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("done_at", sa.DateTime),
    # Optimistic concurrency: every edit names the version it changed.
    sa.Column("version", sa.Integer, nullable=False),
    sa.Index("ix_improvement_actions_ws_status_due", "workspace_id", "status", "due_on"),
    sa.Index("ix_improvement_actions_owner", "owner_id"),
)

audit_templates = sa.Table(
    "audit_templates",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("name", sa.String(60), nullable=False),
    # Every edit is a new version; an audit points at the version it was run with.
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("language", sa.String(10)),
    sa.Column("yaml", sa.Text, nullable=False),
    # Only the newest version is offered for new audits.
    sa.Column("is_active", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", _ID, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.UniqueConstraint("workspace_id", "name", "version"),
)

audits = sa.Table(
    "audits",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "template_id", _ID, sa.ForeignKey("audit_templates.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("title", sa.String(200), nullable=False),
    # company, team, place or channel, and which one.
    sa.Column("scope_kind", sa.String(10), nullable=False),
    sa.Column("scope_value", sa.String(200), nullable=False),
    # The period the measured figures cover, and when the audit is held.
    sa.Column("period_from", sa.Date, nullable=False),
    sa.Column("period_to", sa.Date, nullable=False),
    sa.Column("held_on", sa.Date, nullable=False),
    # [user id, ...] of the people answering, and the competitor names compared.
    sa.Column("auditors", sa.JSON, nullable=False),
    sa.Column("competitors", sa.JSON, nullable=False),
    # draft, completed
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("score", sa.Float),
    sa.Column("completed_at", sa.DateTime),
    sa.Column("created_by", _ID, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Index("ix_audits_ws_template", "workspace_id", "template_id"),
)

audit_answers = sa.Table(
    "audit_answers",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column("audit_id", _ID, sa.ForeignKey("audits.id", ondelete="CASCADE"), nullable=False),
    sa.Column("item_key", sa.String(60), nullable=False),
    # '' for our own service; a competitor's name in the competitor area.
    sa.Column("subject", sa.String(100), nullable=False),
    # yes / partly / no, 1-5, a number, or na; null while unanswered.
    sa.Column("answer", sa.String(20)),
    sa.Column("value", sa.Float),
    sa.Column("comment", sa.Text),
    # [interaction id, ...] linked as evidence.
    sa.Column("interactions", sa.JSON, nullable=False),
    # The figure Kontrol measured: {"value": x, "unit": "...", "link": "...", "detail": "..."}.
    sa.Column("measured", sa.JSON),
    # The auditor changed the measured figure.
    sa.Column("overridden", sa.Boolean, nullable=False),
    sa.Column("answered_by", _ID, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("answered_at", sa.DateTime),
    sa.UniqueConstraint("audit_id", "item_key", "subject"),
)

audit_evidence = sa.Table(
    "audit_evidence",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column("audit_id", _ID, sa.ForeignKey("audits.id", ondelete="CASCADE"), nullable=False),
    sa.Column("item_key", sa.String(60), nullable=False),
    sa.Column("subject", sa.String(100), nullable=False),
    # The sanitised name shown and offered on download.
    sa.Column("filename", sa.String(200), nullable=False),
    # Sniffed from the bytes, never taken from the upload.
    sa.Column("content_type", sa.String(60), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    # Where the bytes are, relative to the evidence folder (random, never the name).
    sa.Column("storage_key", sa.String(200), nullable=False, unique=True),
    sa.Column("uploaded_by", _ID, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("uploaded_at", sa.DateTime, nullable=False),
    sa.Index("ix_audit_evidence_audit", "audit_id"),
)


_TABLES = (improvement_actions, audit_templates, audits, audit_answers, audit_evidence)


def upgrade() -> None:
    bind = op.get_bind()
    for table in _TABLES:
        table.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(_TABLES):
        table.drop(bind)
