"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Full-text search over message text: an FTS5 table kept by triggers on SQLite,
a GIN index on to_tsvector('simple', text) on PostgreSQL.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_settings",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_app_settings")),
    )
    op.create_table(
        "users",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "workspaces",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspaces")),
        sa.UniqueConstraint("name", name=op.f("uq_workspaces_name")),
    )
    op.create_table(
        "agents",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.Column("hired_at", sa.DateTime(), nullable=True),
        sa.Column("hourly_cost", sa.Float(), nullable=True),
        sa.Column("meta", sa.JSON(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_agents_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint(
            "workspace_id", "external_id", name=op.f("uq_agents_workspace_id_external_id")
        ),
    )
    op.create_table(
        "import_batches",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("file", sa.Text(), nullable=False),
        sa.Column("importer", sa.String(length=50), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_import_batches_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
    )
    op.create_table(
        "interactions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("wrap_seconds", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("case_id", sa.String(length=200), nullable=True),
        sa.Column("agent_external_id", sa.String(length=200), nullable=True),
        sa.Column("agent_name", sa.String(length=200), nullable=True),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.Column("customer_id", sa.String(length=200), nullable=True),
        sa.Column("customer_name", sa.String(length=200), nullable=True),
        sa.Column("language", sa.String(length=10), nullable=True),
        sa.Column("topic", sa.String(length=200), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("is_complaint", sa.Boolean(), nullable=False),
        sa.Column("cost", sa.Float(), nullable=True),
        sa.Column("recording", sa.Text(), nullable=True),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_interactions_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interactions")),
        sa.UniqueConstraint(
            "workspace_id",
            "source",
            "external_id",
            name=op.f("uq_interactions_workspace_id_source_external_id"),
        ),
    )
    op.create_index(
        "ix_interactions_ws_agent_started",
        "interactions",
        ["workspace_id", "agent_external_id", "started_at"],
        unique=False,
    )
    op.create_index(
        "ix_interactions_ws_channel_started",
        "interactions",
        ["workspace_id", "channel", "started_at"],
        unique=False,
    )
    op.create_index(
        "ix_interactions_ws_customer_started",
        "interactions",
        ["workspace_id", "customer_id", "started_at"],
        unique=False,
    )
    op.create_index(
        "ix_interactions_ws_external_id",
        "interactions",
        ["workspace_id", "external_id"],
        unique=False,
    )
    op.create_index(
        "ix_interactions_ws_customer_name",
        "interactions",
        ["workspace_id", "customer_name"],
        unique=False,
    )
    op.create_index(
        "ix_interactions_ws_started",
        "interactions",
        ["workspace_id", "started_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_interactions_ws_team_started",
        "interactions",
        ["workspace_id", "team", "started_at"],
        unique=False,
    )
    op.create_index(
        "ix_interactions_ws_topic_started",
        "interactions",
        ["workspace_id", "topic", "started_at"],
        unique=False,
    )
    op.create_table(
        "memberships",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("agent_external_id", sa.String(length=200), nullable=True),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_memberships_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint(
            "user_id", "workspace_id", name=op.f("uq_memberships_user_id_workspace_id")
        ),
    )
    op.create_table(
        "orders",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_orders_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint(
            "workspace_id",
            "source",
            "external_id",
            name=op.f("uq_orders_workspace_id_source_external_id"),
        ),
    )
    op.create_index(
        "ix_orders_ws_customer_at", "orders", ["workspace_id", "customer_id", "at"], unique=False
    )
    op.create_table(
        "import_rejects",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("file", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=200), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("record_source", sa.String(length=100), nullable=True),
        sa.Column("record_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batches.id"],
            name=op.f("fk_import_rejects_batch_id_import_batches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_import_rejects_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_rejects")),
    )
    op.create_index(
        "ix_import_rejects_ws_open",
        "import_rejects",
        ["workspace_id", "resolved_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_import_rejects_ws_record",
        "import_rejects",
        ["workspace_id", "record_source", "record_id"],
        unique=False,
    )
    op.create_table(
        "messages",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "interaction_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=True),
        sa.Column("start_s", sa.Float(), nullable=True),
        sa.Column("end_s", sa.Float(), nullable=True),
        sa.Column("author_id", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_messages_interaction_id_interactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    op.create_index(
        "ix_messages_interaction_seq", "messages", ["interaction_id", "seq"], unique=False
    )
    op.create_table(
        "surveys",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("interaction_external_id", sa.String(length=200), nullable=False),
        sa.Column(
            "interaction_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("at", sa.DateTime(), nullable=True),
        sa.Column("csat", sa.SmallInteger(), nullable=True),
        sa.Column("nps", sa.SmallInteger(), nullable=True),
        sa.Column("ces", sa.SmallInteger(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_surveys_interaction_id_interactions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_surveys_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
        sa.UniqueConstraint(
            "workspace_id",
            "source",
            "interaction_external_id",
            name=op.f("uq_surveys_workspace_id_source_interaction_external_id"),
        ),
    )
    op.create_index("ix_surveys_interaction", "surveys", ["interaction_id"], unique=False)

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE messages_fts USING fts5("
            "text, content='messages', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN "
            "INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text); END"
        )
        op.execute(
            "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN "
            "INSERT INTO messages_fts(messages_fts, rowid, text) "
            "VALUES ('delete', old.id, old.text); END"
        )
        op.execute(
            "CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN "
            "INSERT INTO messages_fts(messages_fts, rowid, text) "
            "VALUES ('delete', old.id, old.text); "
            "INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text); END"
        )
    else:
        op.execute(
            "CREATE INDEX ix_messages_text_fts ON messages USING gin (to_tsvector('simple', text))"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS messages_fts")
    op.drop_index("ix_surveys_interaction", table_name="surveys")
    op.drop_table("surveys")
    op.drop_index("ix_messages_interaction_seq", table_name="messages")
    op.drop_table("messages")
    op.drop_index("ix_import_rejects_ws_record", table_name="import_rejects")
    op.drop_index("ix_import_rejects_ws_open", table_name="import_rejects")
    op.drop_table("import_rejects")
    op.drop_index("ix_orders_ws_customer_at", table_name="orders")
    op.drop_table("orders")
    op.drop_table("memberships")
    op.drop_index("ix_interactions_ws_topic_started", table_name="interactions")
    op.drop_index("ix_interactions_ws_team_started", table_name="interactions")
    op.drop_index("ix_interactions_ws_started", table_name="interactions")
    op.drop_index("ix_interactions_ws_customer_started", table_name="interactions")
    op.drop_index("ix_interactions_ws_channel_started", table_name="interactions")
    op.drop_index("ix_interactions_ws_agent_started", table_name="interactions")
    op.drop_table("interactions")
    op.drop_table("import_batches")
    op.drop_table("agents")
    op.drop_table("workspaces")
    op.drop_table("users")
    op.drop_table("app_settings")
