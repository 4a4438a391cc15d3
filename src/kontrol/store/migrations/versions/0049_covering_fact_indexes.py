"""Exact medians of a team or an agent read from the index alone

Revision ID: 0049
Revises: 0046
Create Date: 2026-12-07

PostgreSQL only: the ``(workspace_id, team, day)`` and ``(workspace_id, agent,
day)`` indexes of ``interaction_facts`` also carry (``INCLUDE``) the period
columns, the other of agent and team, and every time column, so that the exact
medians and p90 of a team's or an agent's month (``percentile_cont`` over the
facts) are an index-only scan instead of a fetch of every matching row from the
table (on a million a month, the team lead's two percentile statements went from
0.71-0.83 s to 0.41-0.53 s under load; docs/benchmarks.md). The keys are the
same, so SQLite, which has no ``INCLUDE``, keeps its indexes as they are.
"""

from alembic import op

revision = "0049"
down_revision = "0046"
branch_labels = None
depends_on = None

_PERIODS = ["week", "month", "quarter"]
_TIMES = [
    "frt_s",
    "frt_business_s",
    "asa_s",
    "asa_business_s",
    "aht_s",
    "resolution_s",
    "resolution_business_s",
]
# index name -> (the dimension it leads with, the other dimension it carries)
_INDEXES = {
    "ix_interaction_facts_ws_team_day": ("team", "agent"),
    "ix_interaction_facts_ws_agent_day": ("agent", "team"),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, (leading, other) in _INDEXES.items():
        op.drop_index(name, table_name="interaction_facts")
        op.create_index(
            name,
            "interaction_facts",
            ["workspace_id", leading, "day"],
            postgresql_include=[*_PERIODS, other, *_TIMES],
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, (leading, _) in _INDEXES.items():
        op.drop_index(name, table_name="interaction_facts")
        op.create_index(name, "interaction_facts", ["workspace_id", leading, "day"])
