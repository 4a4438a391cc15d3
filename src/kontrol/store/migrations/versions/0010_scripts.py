"""scripts

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

Scripts (versioned), feedback on their steps and the widget's read-only tokens
(scripts/).
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
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
sa.Table("workspaces", _metadata, sa.Column("id", _ID, primary_key=True))


def _workspace() -> sa.Column[int]:
    return sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    )


scripts = sa.Table(
    "scripts",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    _workspace(),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("title", sa.String(500), nullable=False),
    sa.Column("topic", sa.String(200), nullable=False),
    sa.Column("yaml", sa.Text, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("is_active", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.String(100)),
    sa.UniqueConstraint("workspace_id", "name", "version"),
    sa.Index("ix_scripts_workspace_id_is_active", "workspace_id", "is_active"),
)

script_feedback = sa.Table(
    "script_feedback",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    _workspace(),
    sa.Column("script_name", sa.String(80), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("step_id", sa.String(60), nullable=False),
    sa.Column("source", sa.String(10), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("author", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Index("ix_script_feedback_workspace_id_script_name", "workspace_id", "script_name"),
)

script_widget_tokens = sa.Table(
    "script_widget_tokens",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    _workspace(),
    sa.Column("label", sa.String(200), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("prefix", sa.String(12), nullable=False),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("revoked_at", sa.DateTime),
)


def upgrade() -> None:
    bind = op.get_bind()
    for table in (scripts, script_feedback, script_widget_tokens):
        table.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for table in (script_widget_tokens, script_feedback, scripts):
        table.drop(bind)
