"""Alembic environment: runs against the connection Kontrol hands it."""

from alembic import context

from kontrol.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when alembic's own CLI is used
    raise RuntimeError("run migrations through `kontrol init`")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
