"""What importing leaves behind: batches, rejects, idempotency keys and the effects backlog."""

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from kontrol.store.tables.schema import Id, metadata

import_batches = Table(
    "import_batches",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("file", Text, nullable=False),
    Column("importer", String(50), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("imported", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
)

import_rejects = Table(
    "import_rejects",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("batch_id", Id, ForeignKey("import_batches.id", ondelete="CASCADE"), nullable=False),
    Column("file", Text, nullable=False),
    Column("line", Integer, nullable=False),
    Column("field", String(200)),
    Column("error", Text, nullable=False),
    Column("raw", Text, nullable=False),
    Column("record_source", String(100)),
    Column("record_id", String(200)),
    Column("created_at", DateTime, nullable=False),
    Column("resolved_at", DateTime),
    Index("ix_import_rejects_ws_open", "workspace_id", "resolved_at", "id"),
    Index("ix_import_rejects_ws_record", "workspace_id", "record_source", "record_id"),
)

# Files uploaded on the import page: stored, mapped (CSV), imported by a job
# (ingest/uploaded_files.py; migration 0026).
import_uploads = Table(
    "import_uploads",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("file_name", String(200), nullable=False),
    Column("storage_key", String(300), nullable=False),
    Column("size", Integer, nullable=False),
    Column("importer", String(50)),
    Column("columns", Text),
    Column("status", String(20), nullable=False),
    Column("records_read", Integer, nullable=False, default=0),
    Column("lines_read", Integer, nullable=False, default=0),
    Column("lines_total", Integer),
    Column("batch_id", Id, ForeignKey("import_batches.id", ondelete="SET NULL")),
    Column("error", String(100)),
    Column("error_detail", Text),
    Column("created_by", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Index("ix_import_uploads_ws", "workspace_id", "id"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("api_key_id", Id, ForeignKey("api_keys.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(200), nullable=False),
    # sha256 of method, path and body: the same key with another request is a conflict.
    Column("request_hash", String(64), nullable=False),
    Column("status_code", SmallInteger, nullable=False),
    Column("response", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("api_key_id", "key"),
)

# Stored records whose effects (scoring, KPI facts, alerts, routing) are still to
# run: written in the transaction that stores them, deleted once they have run
# (ingest/effects_backlog.py; migration 0008).
effects_backlog = Table(
    "effects_backlog",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("workspace_id", Id, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    # interaction, survey (the id of the interaction it rates) or order
    Column("kind", String(12), nullable=False),
    Column("record_id", Id, nullable=False),
    Column("queued_at", DateTime, nullable=False),
    # Who works on it and until when (a killed drainer's claim runs out).
    Column("claimed_by", String(100)),
    Column("claimed_until", DateTime),
)
