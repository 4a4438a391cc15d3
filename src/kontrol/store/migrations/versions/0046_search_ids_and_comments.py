"""Search by an id's first characters and in survey comments

Revision ID: 0046
Revises: 0043
Create Date: 2026-12-07

The interaction list's search also finds an interaction by the first characters
of its own (external) id or its customer's id, and by the words of the
customer's survey comment. PostgreSQL: ``text_pattern_ops`` indexes, so that
``LIKE 'prefix%'`` reads an index range whatever the database's collation, and
a GIN index on ``to_tsvector('simple', comment)``. SQLite: the existing
``(workspace_id, external_id)`` and ``(workspace_id, customer_id, ...)`` indexes
serve a range ``>= prefix AND < next``; an FTS5 table over the comments, kept by
triggers like ``messages_fts``.
"""

from alembic import op

revision = "0046"
down_revision = "0043"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE surveys_fts USING fts5("
            "comment, content='surveys', content_rowid='id', "
            "tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER surveys_fts_insert AFTER INSERT ON surveys BEGIN "
            "INSERT INTO surveys_fts(rowid, comment) VALUES (new.id, new.comment); END"
        )
        op.execute(
            "CREATE TRIGGER surveys_fts_delete AFTER DELETE ON surveys BEGIN "
            "INSERT INTO surveys_fts(surveys_fts, rowid, comment) "
            "VALUES ('delete', old.id, old.comment); END"
        )
        op.execute(
            "CREATE TRIGGER surveys_fts_update AFTER UPDATE OF comment ON surveys BEGIN "
            "INSERT INTO surveys_fts(surveys_fts, rowid, comment) "
            "VALUES ('delete', old.id, old.comment); "
            "INSERT INTO surveys_fts(rowid, comment) VALUES (new.id, new.comment); END"
        )
        # The comments stored before this revision.
        op.execute("INSERT INTO surveys_fts(surveys_fts) VALUES ('rebuild')")
    else:
        op.execute(
            "CREATE INDEX ix_interactions_ws_external_id_prefix "
            "ON interactions (workspace_id, external_id text_pattern_ops)"
        )
        op.execute(
            "CREATE INDEX ix_interactions_ws_customer_id_prefix "
            "ON interactions (workspace_id, customer_id text_pattern_ops)"
        )
        op.execute(
            "CREATE INDEX ix_surveys_comment_fts ON surveys "
            "USING gin (to_tsvector('simple', comment))"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS surveys_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS surveys_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_surveys_comment_fts")
        op.execute("DROP INDEX IF EXISTS ix_interactions_ws_customer_id_prefix")
        op.execute("DROP INDEX IF EXISTS ix_interactions_ws_external_id_prefix")
