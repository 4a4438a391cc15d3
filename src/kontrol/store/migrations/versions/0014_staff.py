"""staff: competencies, training modules, training rules and assignments

Revision ID: 0014
Revises: 0008
Create Date: 2026-12-07

The people feature (src/kontrol/staff): competencies and what measures them,
the training catalogue, QA leads' training rules and assignments.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0008"
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

# What a workspace expects of its people: empathy, product knowledge, literacy...
staff_competencies = sa.Table(
    "staff_competencies",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("key", sa.String(60), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("workspace_id", "key"),
)

# What measures a competency: a scorecard criterion id, a quiz topic or an
# interview question, by its reference in that source.
staff_competency_links = sa.Table(
    "staff_competency_links",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "competency_id",
        _ID,
        sa.ForeignKey("staff_competencies.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # criterion, topic or question
    sa.Column("source", sa.String(12), nullable=False),
    sa.Column("ref", sa.String(120), nullable=False),
    sa.UniqueConstraint("competency_id", "source", "ref"),
)

# A training module of the catalogue: text, a file, a video link or role-play instructions.
staff_modules = sa.Table(
    "staff_modules",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("competency_id", _ID, sa.ForeignKey("staff_competencies.id", ondelete="SET NULL")),
    sa.Column("title", sa.String(200), nullable=False),
    # text, file, video or roleplay
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("body", sa.Text),
    sa.Column("url", sa.String(500)),
    # The scorecard criterion the module is meant to move (its effect is measured on it).
    sa.Column("criterion", sa.String(80)),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("workspace_id", "title"),
)

# A QA lead's rule: below ``threshold`` on ``criterion`` over the last ``window``
# evaluations proposes ``module_id``.
staff_training_rules = sa.Table(
    "staff_training_rules",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("criterion", sa.String(80), nullable=False),
    sa.Column("threshold", sa.Float, nullable=False),
    sa.Column("window", sa.Integer, nullable=False),
    sa.Column(
        "module_id", _ID, sa.ForeignKey("staff_modules.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("workspace_id", "criterion", "module_id"),
)

# A module assigned to an agent, with the criterion whose before/after is measured.
staff_assignments = sa.Table(
    "staff_assignments",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "module_id", _ID, sa.ForeignKey("staff_modules.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("agent_external_id", sa.String(200), nullable=False),
    sa.Column("criterion", sa.String(80)),
    sa.Column("rule_id", _ID, sa.ForeignKey("staff_training_rules.id", ondelete="SET NULL")),
    sa.Column("assigned_by", sa.String(100), nullable=False),
    sa.Column("assigned_at", sa.DateTime, nullable=False),
    sa.Column("due_at", sa.DateTime),
    sa.Column("completed_at", sa.DateTime),
    sa.Column("note", sa.Text),
    sa.Index("ix_staff_assignments_agent", "workspace_id", "agent_external_id"),
)


_TABLES = (
    staff_competencies,
    staff_competency_links,
    staff_modules,
    staff_training_rules,
    staff_assignments,
)


def upgrade() -> None:
    bind = op.get_bind()
    for table in _TABLES:
        table.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(_TABLES):
        table.drop(bind)
