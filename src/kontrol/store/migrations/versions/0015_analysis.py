"""analysis: contact reasons, complaint types, reason models, cost settings

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07

The reason taxonomy a QA lead edits, the reason and complaint type of each
interaction, the text classifiers learned per workspace, and the cost of a
contact for the analysis pages (kontrol/analysis).
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
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
# Referred to by their keys only: never created here.
sa.Table("workspaces", _metadata, sa.Column("id", _ID, primary_key=True))
sa.Table("interactions", _metadata, sa.Column("id", _ID, primary_key=True))

# One row per reason (kind "reason") or complaint type (kind "complaint"): the QA
# lead's taxonomy, with its phrase rules per language (one phrase a line).
contact_reasons = sa.Table(
    "contact_reasons",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("code", sa.String(60), nullable=False),
    sa.Column("label_ru", sa.String(200), nullable=False),
    sa.Column("label_en", sa.String(200), nullable=False),
    sa.Column("phrases_ru", sa.Text, nullable=False),
    sa.Column("phrases_en", sa.Text, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.UniqueConstraint("workspace_id", "kind", "code"),
)

# The reason and complaint type of each interaction and where they came from:
# topic (or tag), rule, model; null when nothing matched.
reason_assignments = sa.Table(
    "reason_assignments",
    _metadata,
    sa.Column(
        "interaction_id",
        _ID,
        sa.ForeignKey("interactions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("reason", sa.String(200)),
    sa.Column("reason_source", sa.String(10), nullable=False),
    sa.Column("reason_confidence", sa.Float),
    sa.Column("complaint_type", sa.String(200)),
    sa.Column("complaint_source", sa.String(10)),
    sa.Column("assigned_at", sa.DateTime, nullable=False),
    sa.Index("ix_reason_assignments_workspace_id_reason", "workspace_id", "reason"),
)

# A text classifier learned from the interactions that have a reason, per workspace
# and kind: its vocabulary and weights as JSON (no pickles in the database).
reason_models = sa.Table(
    "reason_models",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("trained_at", sa.DateTime, nullable=False),
    sa.Column("samples", sa.Integer, nullable=False),
    sa.Column("accuracy", sa.Float),
    sa.Column("model", sa.Text, nullable=False),
    sa.UniqueConstraint("workspace_id", "kind"),
)

# What a contact costs where the interaction carries no cost of its own.
analysis_settings = sa.Table(
    "analysis_settings",
    _metadata,
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("cost_per_minute", sa.Float),
    sa.Column("cost_per_contact", sa.Float),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)


_TABLES = (contact_reasons, reason_assignments, reason_models, analysis_settings)


def upgrade() -> None:
    for table in _TABLES:
        table.create(op.get_bind())


def downgrade() -> None:
    for table in reversed(_TABLES):
        table.drop(op.get_bind())
