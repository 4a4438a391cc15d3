"""originals of masked personal data, for admins

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07

When a workspace keeps originals, the text a message had before its personal
data was masked (``message_originals``) and the recording before the tone
(``speech_recordings.original_path``); both are shown to admins only.
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
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
sa.Table("messages", _metadata, sa.Column("id", _ID, primary_key=True))
sa.Table("interactions", _metadata, sa.Column("id", _ID, primary_key=True))

message_originals = sa.Table(
    "message_originals",
    _metadata,
    sa.Column(
        "message_id", _ID, sa.ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "interaction_id",
        _ID,
        sa.ForeignKey("interactions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("text", sa.Text, nullable=False),
    sa.Index("ix_message_originals_interaction", "interaction_id"),
)


def upgrade() -> None:
    with op.batch_alter_table("speech_recordings") as batch:
        batch.add_column(sa.Column("original_path", sa.Text(), nullable=True))
    message_originals.create(op.get_bind())


def downgrade() -> None:
    message_originals.drop(op.get_bind())
    with op.batch_alter_table("speech_recordings") as batch:
        batch.drop_column("original_path")
