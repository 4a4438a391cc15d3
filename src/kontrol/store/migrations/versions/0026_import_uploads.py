"""files uploaded on the import page

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07

A file uploaded on the web import page: where it is stored, its format and CSV
column mapping, the job's progress and the import batch it produced.
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
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
# Referred to by their key only: never created here.
sa.Table("workspaces", _metadata, sa.Column("id", _ID, primary_key=True))
sa.Table("import_batches", _metadata, sa.Column("id", _ID, primary_key=True))

import_uploads = sa.Table(
    "import_uploads",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("file_name", sa.String(200), nullable=False),
    sa.Column("storage_key", sa.String(300), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("importer", sa.String(50)),
    sa.Column("columns", sa.Text),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("records_read", sa.Integer, nullable=False),
    sa.Column("lines_read", sa.Integer, nullable=False),
    sa.Column("lines_total", sa.Integer),
    sa.Column("batch_id", _ID, sa.ForeignKey("import_batches.id", ondelete="SET NULL")),
    sa.Column("error", sa.String(100)),
    sa.Column("error_detail", sa.Text),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime),
    sa.Index("ix_import_uploads_ws", "workspace_id", "id"),
)


def upgrade() -> None:
    import_uploads.create(op.get_bind())


def downgrade() -> None:
    import_uploads.drop(op.get_bind())
