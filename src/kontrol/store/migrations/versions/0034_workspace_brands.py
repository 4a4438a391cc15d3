"""a workspace's brand on its customer pages

Revision ID: 0034
Revises: 0030
Create Date: 2026-12-07

The name, colour and logo a workspace shows its customers on survey pages,
QR codes and kiosks instead of its internal name.
"""

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0030"
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
# Referred to by its key only: never created here.
sa.Table("workspaces", _metadata, sa.Column("id", _ID, primary_key=True))

workspace_brands = sa.Table(
    "workspace_brands",
    _metadata,
    sa.Column(
        "workspace_id",
        _ID,
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("display_name", sa.String(100)),
    sa.Column("colour", sa.String(7)),
    sa.Column("logo_type", sa.String(20)),
    sa.Column("logo", sa.LargeBinary),
    sa.Column("logo_sha256", sa.String(64), index=True),
    sa.Column("updated_by", sa.String(100), nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)


def upgrade() -> None:
    workspace_brands.create(op.get_bind())


def downgrade() -> None:
    op.drop_table("workspace_brands")
