"""Migration 0004 creates exactly the ingest and job tables that tables.py declares."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from kontrol.store.tables import metadata

MINE = ("api_keys", "idempotency_keys", "job_runs")


def test_the_migrated_schema_matches_the_declared_tables(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    ours = [str(item) for item in differences if any(name in str(item) for name in MINE)]
    assert ours == []
    assert set(MINE) <= set(metadata.tables)
