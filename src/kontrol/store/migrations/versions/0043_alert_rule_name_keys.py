"""alert rules named from the catalogue

Revision ID: 0043
Revises: 0040
Create Date: 2026-12-07

``alert_rules.name_key``: a rule that Kontrol wrote itself (the demo's rules)
names a catalogue entry, so each reader sees its name in their own language;
``name`` keeps the Russian text (unique per workspace, as before). A rule a
person writes has no key: its name is shown as written. The demo rules stored
before this revision get their keys by their Russian names.
"""

import sqlalchemy as sa
from alembic import op

revision = "0043"
down_revision = "0040"
branch_labels = None
depends_on = None

# The demo's rules as they were seeded: (kind, Russian name) -> catalogue key.
DEMO_NAMES = {
    ("csat_at_most", "Низкая оценка (CSAT ≤ 2)"): "alerts.default.low_csat",
    ("nps_detractor", "Критик NPS"): "alerts.default.nps_detractor",
    ("complaint", "Жалобы «Линия 1»"): "alerts.default.complaints_line_1",
    ("sla_breached", "SLA чатов и звонков"): "alerts.default.sla",
    ("complaints_spike", "Всплеск жалоб"): "alerts.default.complaints_spike",
    ("critical_check_failed", "Грубость и другие критичные ошибки"): "alerts.default.critical",
    ("kpi_below_target", "План по показателям: хуже порога"): "alerts.default.kpi_plan",
    (
        "mystery_low_score",
        "Тайный покупатель: визит ниже 60 баллов",
    ): "alerts.default.mystery_low_score",
}


def upgrade() -> None:
    with op.batch_alter_table("alert_rules") as batch:
        batch.add_column(sa.Column("name_key", sa.String(100), nullable=True))
    rules = sa.table(
        "alert_rules",
        sa.column("kind", sa.String(50)),
        sa.column("name", sa.String(200)),
        sa.column("name_key", sa.String(100)),
    )
    for (kind, name), key in DEMO_NAMES.items():
        op.execute(
            rules.update().where(rules.c.kind == kind, rules.c.name == name).values(name_key=key)
        )


def downgrade() -> None:
    with op.batch_alter_table("alert_rules") as batch:
        batch.drop_column("name_key")
