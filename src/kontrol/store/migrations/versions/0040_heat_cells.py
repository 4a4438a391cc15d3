"""The heat map's rollup

Revision ID: 0040
Revises: 0038
Create Date: 2026-12-07

``heat_cells``: per local day, agent, team and channel of the interaction, the
conversations and, per automatic check, how many failed it (the dashboard's
"where quality is lost"), filled from the interactions, their facts' local day
and ``check_failures``. A month of the heat map reads tens of thousands of rows at most
instead of scanning the month's interactions twice.
"""

import sqlalchemy as sa
from alembic import op

revision = "0040"
down_revision = "0038"
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

heat_cells = sa.Table(
    "heat_cells",
    _metadata,
    sa.Column(
        "workspace_id",
        _ID,
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("agent", sa.String(200), primary_key=True),
    sa.Column("team", sa.String(200), primary_key=True),
    sa.Column("channel", sa.String(20), primary_key=True),
    sa.Column("check_id", sa.String(60), primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
)
facts = sa.table(
    "interaction_facts",
    sa.column("interaction_id", _ID),
    sa.column("workspace_id", _ID),
    sa.column("day", sa.String()),
    sa.column("agent", sa.String()),
)
interactions = sa.table(
    "interactions",
    sa.column("id", _ID),
    sa.column("team", sa.String()),
    sa.column("channel", sa.String()),
)
check_failures = sa.table(
    "check_failures",
    sa.column("interaction_id", _ID),
    sa.column("workspace_id", _ID),
    sa.column("check_id", sa.String()),
)
_COLUMNS = ["workspace_id", "day", "agent", "team", "channel", "check_id", "n"]


def upgrade() -> None:
    heat_cells.create(op.get_bind())
    f, i, c = facts, interactions, check_failures
    keys = [
        f.c.workspace_id,
        f.c.day,
        f.c.agent,
        sa.func.coalesce(i.c.team, ""),
        i.c.channel,
    ]
    joined = f.join(i, i.c.id == f.c.interaction_id)
    handled = f.c.agent.is_not(None)
    op.execute(
        heat_cells.insert().from_select(
            _COLUMNS,
            sa.select(*keys, sa.literal(""), sa.func.count())
            .select_from(joined)
            .where(handled)
            .group_by(*keys),
        )
    )
    failed = joined.join(
        c, sa.and_(c.c.interaction_id == f.c.interaction_id, c.c.workspace_id == f.c.workspace_id)
    )
    op.execute(
        heat_cells.insert().from_select(
            _COLUMNS,
            sa.select(*keys, c.c.check_id, sa.func.count())
            .select_from(failed)
            .where(handled)
            .group_by(*keys, c.c.check_id),
        )
    )


def downgrade() -> None:
    op.drop_table("heat_cells")
