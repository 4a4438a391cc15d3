"""work-tool quality

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

Work items imported from working tools (CRM deals, tickets, tasks), their
hygiene rules and the violations found (worktools/).
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
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


work_items = sa.Table(
    "work_items",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    _workspace(),
    sa.Column("source", sa.String(100), nullable=False),
    sa.Column("external_id", sa.String(200), nullable=False),
    sa.Column("type", sa.String(50), nullable=False),
    sa.Column("title", sa.String(500)),
    sa.Column("owner_external_id", sa.String(200)),
    sa.Column("owner_name", sa.String(200)),
    sa.Column("team", sa.String(200)),
    sa.Column("status", sa.String(100), nullable=False),
    sa.Column("closed", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("status_since", sa.DateTime, nullable=False),
    sa.Column("due_at", sa.DateTime),
    sa.Column("closed_at", sa.DateTime),
    sa.Column("customer_id", sa.String(200)),
    sa.Column("customer_name", sa.String(200)),
    sa.Column("customer_phone", sa.String(100)),
    sa.Column("customer_email", sa.String(200)),
    sa.Column("resolution", sa.Text),
    sa.Column("history", sa.JSON, nullable=False),
    sa.Column("fields", sa.JSON, nullable=False),
    sa.Column("meta", sa.JSON, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("imported_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("workspace_id", "source", "external_id"),
    sa.Index("ix_work_items_workspace_id_owner_external_id", "workspace_id", "owner_external_id"),
)

work_rules = sa.Table(
    "work_rules",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    _workspace(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("item_types", sa.JSON, nullable=False),
    sa.Column("fields", sa.JSON, nullable=False),
    sa.Column("params", sa.JSON, nullable=False),
    sa.Column("weight", sa.Float, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("workspace_id", "name"),
)

work_violations = sa.Table(
    "work_violations",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    _workspace(),
    sa.Column("rule_id", _ID, sa.ForeignKey("work_rules.id", ondelete="CASCADE"), nullable=False),
    sa.Column("item_id", _ID, sa.ForeignKey("work_items.id", ondelete="CASCADE"), nullable=False),
    sa.Column("since", sa.DateTime, nullable=False),
    sa.Column("found_at", sa.DateTime, nullable=False),
    sa.Column("resolved_at", sa.DateTime),
    sa.Column("details", sa.JSON, nullable=False),
    sa.Index("ix_work_violations_item_id", "item_id"),
    sa.Index("ix_work_violations_workspace_id_resolved_at", "workspace_id", "resolved_at"),
)


def upgrade() -> None:
    bind = op.get_bind()
    for table in (work_items, work_rules, work_violations):
        table.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for table in (work_violations, work_rules, work_items):
        table.drop(bind)
