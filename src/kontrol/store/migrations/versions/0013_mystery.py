"""mystery shopping

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

Mystery-shopping programmes, their shoppers, assignments, submissions, checklist
answers and uploaded files (kontrol/mystery/).
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
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

mystery_programmes = sa.Table(
    "mystery_programmes",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("name", sa.String(60), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("language", sa.String(5), nullable=False),
    # The programme as written (scenarios, checklists, targets, plan): parsed on load.
    sa.Column("yaml", sa.Text, nullable=False),
    sa.Column("is_active", sa.Boolean, nullable=False),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("workspace_id", "name"),
)

mystery_shoppers = sa.Table(
    "mystery_shoppers",
    _metadata,
    sa.Column(
        "programme_id",
        _ID,
        sa.ForeignKey("mystery_programmes.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("user_id", _ID, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

mystery_assignments = sa.Table(
    "mystery_assignments",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "programme_id",
        _ID,
        sa.ForeignKey("mystery_programmes.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # YYYY-MM: the plan's month.
    sa.Column("month", sa.String(7), nullable=False),
    sa.Column("target_key", sa.String(60), nullable=False),
    sa.Column("scenario_key", sa.String(60), nullable=False),
    sa.Column("visit_no", sa.SmallInteger, nullable=False),
    sa.Column("shopper_id", _ID, sa.ForeignKey("users.id", ondelete="SET NULL")),
    # open or done
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("programme_id", "month", "target_key", "visit_no"),
    sa.Index("ix_mystery_assignments_shopper", "workspace_id", "shopper_id", "status"),
)

mystery_submissions = sa.Table(
    "mystery_submissions",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "programme_id",
        _ID,
        sa.ForeignKey("mystery_programmes.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column(
        "assignment_id",
        _ID,
        sa.ForeignKey("mystery_assignments.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    sa.Column("shopper_id", _ID, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("target_key", sa.String(60), nullable=False),
    sa.Column("scenario_key", sa.String(60), nullable=False),
    # own or competitor, copied from the target when submitted
    sa.Column("target_kind", sa.String(12), nullable=False),
    sa.Column("team", sa.String(200)),
    # When the shop happened (naive UTC) and its month in the workspace's time zone.
    sa.Column("happened_at", sa.DateTime, nullable=False),
    sa.Column("month", sa.String(7), nullable=False),
    sa.Column("channel", sa.String(20), nullable=False),
    # How the shopper reached the company (phone, e-mail, chat name): matched to the
    # imported interaction's customer id or name.
    sa.Column("contact", sa.String(200)),
    sa.Column("agent_name", sa.String(200)),
    sa.Column("transcript", sa.Text),
    sa.Column("comment", sa.Text),
    sa.Column("score", sa.Float),
    sa.Column("passed", sa.Boolean),
    sa.Column("critical_failed", sa.Boolean, nullable=False),
    sa.Column("interaction_id", _ID, sa.ForeignKey("interactions.id", ondelete="SET NULL")),
    sa.Column("submitted_at", sa.DateTime, nullable=False),
    sa.Index("ix_mystery_submissions_programme", "programme_id", "month"),
    # The programme page lists its latest shops.
    sa.Index("ix_mystery_submissions_programme_happened", "programme_id", "happened_at"),
    sa.Index("ix_mystery_submissions_ws_submitted", "workspace_id", "submitted_at"),
    sa.Index("ix_mystery_submissions_interaction", "interaction_id"),
)

mystery_answers = sa.Table(
    "mystery_answers",
    _metadata,
    sa.Column(
        "submission_id",
        _ID,
        sa.ForeignKey("mystery_submissions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("criterion_key", sa.String(60), primary_key=True),
    # pass, fail, na or 1-5
    sa.Column("value", sa.String(8), nullable=False),
    # How it counted (0-1), None when left out of the score.
    sa.Column("fraction", sa.Float),
)

mystery_files = sa.Table(
    "mystery_files",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "submission_id",
        _ID,
        sa.ForeignKey("mystery_submissions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # recording, screenshot or transcript
    sa.Column("kind", sa.String(12), nullable=False),
    # The uploaded name, sanitised; the file on disk has a random name.
    sa.Column("name", sa.String(200), nullable=False),
    # Sniffed from the content, never taken from the upload.
    sa.Column("content_type", sa.String(100), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    # Relative to the data folder.
    sa.Column("path", sa.String(300), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Index("ix_mystery_files_submission", "submission_id"),
)


_CREATED = (
    mystery_programmes,
    mystery_shoppers,
    mystery_assignments,
    mystery_submissions,
    mystery_answers,
    mystery_files,
)


def upgrade() -> None:
    for table in _CREATED:
        table.create(op.get_bind())


def downgrade() -> None:
    for table in reversed(_CREATED):
        table.drop(op.get_bind())
