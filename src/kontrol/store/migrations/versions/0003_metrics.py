"""metrics: interaction and order facts, KPI targets, business-hours calendars

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

Per-interaction facts kept current at import (KPIs are GROUP BYs over them),
order facts for the commercial metrics, KPI targets and business-hours calendars.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "business_calendars",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("scope_value", sa.String(length=200), nullable=False),
        sa.Column("days", sa.String(length=20), nullable=False),
        sa.Column("opens", sa.String(length=5), nullable=False),
        sa.Column("closes", sa.String(length=5), nullable=False),
        sa.Column("lunch_start", sa.String(length=5), nullable=True),
        sa.Column("lunch_end", sa.String(length=5), nullable=True),
        sa.Column("holidays", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_business_calendars_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_calendars")),
        sa.UniqueConstraint(
            "workspace_id",
            "scope",
            "scope_value",
            name=op.f("uq_business_calendars_workspace_id_scope_scope_value"),
        ),
    )
    op.create_table(
        "kpi_targets",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("metric", sa.String(length=50), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("scope_value", sa.String(length=200), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("warning", sa.Float(), nullable=False),
        sa.Column("direction", sa.String(length=6), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_kpi_targets_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_targets")),
        sa.UniqueConstraint(
            "workspace_id",
            "metric",
            "scope",
            "scope_value",
            "period",
            name=op.f("uq_kpi_targets_workspace_id_metric_scope_scope_value_period"),
        ),
    )
    op.create_table(
        "interaction_facts",
        sa.Column(
            "interaction_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("agent", sa.String(length=200), nullable=True),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=True),
        sa.Column("language", sa.String(length=10), nullable=True),
        sa.Column("customer_id", sa.String(length=200), nullable=True),
        sa.Column("inbound", sa.Boolean(), nullable=False),
        sa.Column("handled", sa.Boolean(), nullable=False),
        sa.Column("abandoned", sa.Boolean(), nullable=False),
        sa.Column("frt_s", sa.Float(), nullable=True),
        sa.Column("frt_business_s", sa.Float(), nullable=True),
        sa.Column("asa_s", sa.Float(), nullable=True),
        sa.Column("asa_business_s", sa.Float(), nullable=True),
        sa.Column("aht_s", sa.Float(), nullable=True),
        sa.Column("resolution_s", sa.Float(), nullable=True),
        sa.Column("resolution_business_s", sa.Float(), nullable=True),
        sa.Column("sla_met", sa.Boolean(), nullable=True),
        sa.Column("sla_business_met", sa.Boolean(), nullable=True),
        sa.Column("fcr", sa.Boolean(), nullable=True),
        sa.Column("repeat_contact", sa.Boolean(), nullable=True),
        sa.Column("complaint", sa.Boolean(), nullable=False),
        sa.Column("cost", sa.Float(), nullable=True),
        sa.Column("csat", sa.SmallInteger(), nullable=True),
        sa.Column("nps", sa.SmallInteger(), nullable=True),
        sa.Column("ces", sa.SmallInteger(), nullable=True),
        sa.Column("surveyed", sa.Boolean(), nullable=False),
        sa.Column("dq_backwards", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_interaction_facts_interaction_id_interactions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_interaction_facts_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("interaction_id", name=op.f("pk_interaction_facts")),
    )
    op.create_index(
        "ix_interaction_facts_ws_agent_day",
        "interaction_facts",
        ["workspace_id", "agent", "day"],
        unique=False,
    )
    op.create_index(
        "ix_interaction_facts_ws_channel_day",
        "interaction_facts",
        ["workspace_id", "channel", "day"],
        unique=False,
    )
    op.create_index(
        "ix_interaction_facts_ws_day", "interaction_facts", ["workspace_id", "day"], unique=False
    )
    op.create_index(
        "ix_interaction_facts_ws_team_day",
        "interaction_facts",
        ["workspace_id", "team", "day"],
        unique=False,
    )
    op.create_table(
        "order_facts",
        sa.Column(
            "order_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("repeat", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_facts_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_order_facts_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_order_facts")),
    )
    op.create_index("ix_order_facts_ws_day", "order_facts", ["workspace_id", "day"], unique=False)


def downgrade() -> None:
    op.drop_table("order_facts")
    op.drop_table("interaction_facts")
    op.drop_table("kpi_targets")
    op.drop_table("business_calendars")
