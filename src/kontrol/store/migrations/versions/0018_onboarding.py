"""onboarding and role plays in certification

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07

A new agent's onboarding (first 90 days, mentor) and the feedback sessions held
with them; the role-play scenarios a certification requires, with a pass mark.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
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
sa.Table("users", _metadata, sa.Column("id", _ID, primary_key=True))
sa.Table("workspaces", _metadata, sa.Column("id", _ID, primary_key=True))
sa.Table("staff_certifications", _metadata, sa.Column("id", _ID, primary_key=True))
sa.Table("staff_scenarios", _metadata, sa.Column("id", _ID, primary_key=True))

staff_certification_roleplays = sa.Table(
    "staff_certification_roleplays",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "certification_id",
        _ID,
        sa.ForeignKey("staff_certifications.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column(
        "scenario_id", _ID, sa.ForeignKey("staff_scenarios.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("pass_mark", sa.Float, nullable=False),
    sa.UniqueConstraint("certification_id", "scenario_id"),
)

staff_onboardings = sa.Table(
    "staff_onboardings",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "workspace_id", _ID, sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("agent_external_id", sa.String(200), nullable=False),
    sa.Column("started_on", sa.Date, nullable=False),
    sa.Column("mentor_user_id", _ID, sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("workspace_id", "agent_external_id"),
)

staff_onboarding_sessions = sa.Table(
    "staff_onboarding_sessions",
    _metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column(
        "onboarding_id",
        _ID,
        sa.ForeignKey("staff_onboardings.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("held_on", sa.Date, nullable=False),
    sa.Column("led_by", sa.String(100), nullable=False),
    sa.Column("notes", sa.Text, nullable=False),
    sa.Column("next_steps", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Index("ix_staff_onboarding_sessions_onboarding", "onboarding_id", "held_on"),
)


def upgrade() -> None:
    staff_certification_roleplays.create(op.get_bind())
    staff_onboardings.create(op.get_bind())
    staff_onboarding_sessions.create(op.get_bind())


def downgrade() -> None:
    staff_onboarding_sessions.drop(op.get_bind())
    staff_onboardings.drop(op.get_bind())
    staff_certification_roleplays.drop(op.get_bind())
