"""the counted evaluation's score and pass/fail on each interaction's facts and rollups

Revision ID: 0029
Revises: 0026
Create Date: 2026-12-07

``qa_score`` and ``qa_failed`` on interaction_facts: the score of the
evaluation that counts for the interaction (its newest submitted manual one,
else its newest automatic one) and whether it failed (NULL: none counts), so that the QA metrics
are sums over the facts instead of a group-by over every evaluation; and their
additive parts on kpi_rollups (qa_score_sum/_n, qa_fail_num/_den), so that
they are summed from the daily rollups like every other facts metric.
Existing rows are filled here: the facts from the evaluations, the rollups
from the facts.
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0026"
branch_labels = None
depends_on = None

# The counted evaluation of each interaction (metrics/evaluations.py says why).
_COUNTED = """
SELECT e.interaction_id, e.score,
       CASE WHEN e.score IS NOT NULL AND e.passed = {false} THEN {true} ELSE {false} END AS failed
FROM evaluations e
JOIN (
    SELECT interaction_id,
           COALESCE(MAX(CASE WHEN kind = 'manual' THEN id END), MAX(id)) AS evaluation_id
    FROM evaluations
    WHERE status = 'submitted' AND kind IN ('auto', 'manual')
    GROUP BY interaction_id
) newest ON newest.evaluation_id = e.id
"""


_ROLLUP_PARTS = ("qa_score_sum", "qa_score_n", "qa_fail_num", "qa_fail_den")
_GROUP = ("workspace_id", "day", "agent", "team", "channel", "topic", "language")


def upgrade() -> None:
    with op.batch_alter_table("interaction_facts") as batch:
        batch.add_column(sa.Column("qa_score", sa.Float(), nullable=True))
        batch.add_column(sa.Column("qa_failed", sa.Boolean(), nullable=True))
    with op.batch_alter_table("kpi_rollups") as batch:
        for name in _ROLLUP_PARTS:
            batch.add_column(sa.Column(name, sa.Float(), nullable=True))
    bind = op.get_bind()
    true, false = ("TRUE", "FALSE") if bind.dialect.name == "postgresql" else ("1", "0")
    # UPDATE ... FROM: PostgreSQL, and SQLite since 3.33.
    bind.execute(
        sa.text(
            "UPDATE interaction_facts SET qa_score = c.score, qa_failed = c.failed"
            f" FROM ({_COUNTED.format(true=true, false=false)}) AS c"
            " WHERE c.interaction_id = interaction_facts.interaction_id"
        )
    )
    # The same aggregates as metrics/rollups.py writes, per rollup group.
    keys = ", ".join(_GROUP)
    if bind.dialect.name == "postgresql":
        # Equality on the keys with NULL as a value no key holds: a hash join (IS NOT
        # DISTINCT FROM is not hashable and made a nested loop over every group).
        matched = " AND ".join(
            f"COALESCE(kpi_rollups.{name}::text, chr(1)) = COALESCE(g.{name}::text, chr(1))"
            for name in _GROUP
        )
    else:
        matched = " AND ".join(f"kpi_rollups.{name} IS g.{name}" for name in _GROUP)
    bind.execute(
        sa.text(
            "UPDATE kpi_rollups SET qa_score_sum = g.score_sum, qa_score_n = g.scored,"
            " qa_fail_num = g.failed, qa_fail_den = g.scored"
            f" FROM (SELECT {keys}, SUM(qa_score) AS score_sum, COUNT(qa_score) AS scored,"
            " SUM(CASE WHEN qa_score IS NOT NULL AND qa_failed = "
            f"{true} THEN 1 ELSE 0 END) AS failed"
            f" FROM interaction_facts GROUP BY {keys}) AS g WHERE {matched}"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("kpi_rollups") as batch:
        for name in reversed(_ROLLUP_PARTS):
            batch.drop_column(name)
    with op.batch_alter_table("interaction_facts") as batch:
        batch.drop_column("qa_failed")
        batch.drop_column("qa_score")
